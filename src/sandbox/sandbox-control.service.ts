import { Injectable } from '@nestjs/common';
import { SandboxConfigService, SandboxRuntimeConfig } from './sandbox-config.service';
import { SandboxAppsService } from './sandbox-apps.service';
import { parseAccessTokens, parseCodeRequest, parseConfig, parseFault, parseSeller } from './sandbox-control.parsers';
import { SandboxDelayService } from './sandbox-delay.service';
import { SandboxFaultsService } from './sandbox-faults.service';
import { SandboxSellersService } from './sandbox-sellers.service';
import { AccessTokenView, CurrentTokens, SandboxStateService } from './sandbox-state.service';
import { SandboxStatsService, SandboxStatsSnapshot } from './sandbox-stats.service';
import { SandboxFault, SandboxInputError, SandboxSeller } from './sandbox.types';

export interface SandboxStatsView extends SandboxStatsSnapshot {
  /** The first app's grants, by open_id. */
  current: Record<string, CurrentTokens>;
  /** Every app's, by app id and open_id. */
  current_by_app: Record<string, Record<string, CurrentTokens>>;
}

/** Test-only levers: demo sellers, codes without a browser, faults, revocation, lifetimes, stats. */
@Injectable()
export class SandboxControlService {
  constructor(
    private readonly config: SandboxConfigService,
    private readonly apps: SandboxAppsService,
    private readonly sellers: SandboxSellersService,
    private readonly state: SandboxStateService,
    private readonly faults: SandboxFaultsService,
    private readonly stats: SandboxStatsService,
    private readonly delays: SandboxDelayService,
  ) {}

  upsertSeller(body: unknown): SandboxSeller {
    return this.sellers.upsert(parseSeller(body));
  }

  listSellers(): { sellers: SandboxSeller[] } {
    return { sellers: this.sellers.list() };
  }

  mintCode(body: unknown): { code: string } {
    const { openId, app } = parseCodeRequest(body);
    return { code: this.state.issueCode(this.apps.byId(app).appKey, openId) };
  }

  addFault(body: unknown): { faults: SandboxFault[] } {
    this.faults.add(parseFault(body));
    return { faults: this.faults.list() };
  }

  listFaults(): { faults: SandboxFault[] } {
    return { faults: this.faults.list() };
  }

  clearFaults(): { faults: SandboxFault[] } {
    this.faults.clear();
    return { faults: [] };
  }

  /** The seller revokes the app's grant (`app`: its id), or every app's. */
  revoke(openId: string, app?: string): { open_id: string; revoked: true } {
    if (!this.state.revoke(openId, app === undefined ? undefined : this.apps.byId(app).appKey))
      throw new SandboxInputError(`no authorization for open_id ${openId}`, 404);
    return { open_id: openId, revoked: true };
  }

  updateConfig(body: unknown): SandboxRuntimeConfig {
    this.config.update(parseConfig(body));
    return this.config.snapshot();
  }

  getConfig(): SandboxRuntimeConfig {
    return this.config.snapshot();
  }

  getStats(): SandboxStatsView {
    const byApp = Object.fromEntries(this.apps.all.map((app) => [app.id, this.state.current(app.appKey)]));
    return { ...this.stats.snapshot(), current: byApp[this.apps.first.id], current_by_app: byApp };
  }

  /** Partner Center's secret reset for one app: TikTok refuses the secret the service holds until reset(). */
  resetAppSecret(app: string): { app: string; app_secret_reset: true } {
    this.apps.resetSecret(this.apps.byId(app));
    return { app, app_secret_reset: true };
  }

  /** The secret reset undone: TikTok accepts the secret the service holds again; grants are kept. */
  restoreAppSecret(app: string): { app: string; app_secret_reset: false } {
    this.apps.restoreSecret(this.apps.byId(app));
    return { app, app_secret_reset: false };
  }

  describeTokens(body: unknown): { access_tokens: Record<string, AccessTokenView | null> } {
    return { access_tokens: this.state.describeAccessTokens(parseAccessTokens(body)) };
  }

  /** Back to the state of a fresh start; requests held by a timeout fault are answered now. */
  reset(): { reset: true } {
    this.faults.clear();
    this.delays.releaseAll();
    this.state.reset();
    this.apps.reset();
    this.sellers.reset();
    this.stats.reset();
    this.config.reset();
    return { reset: true };
  }
}
