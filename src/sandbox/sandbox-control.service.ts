import { Injectable } from '@nestjs/common';
import { SandboxConfigService, SandboxRuntimeConfig } from './sandbox-config.service';
import { parseAccessTokens, parseConfig, parseFault, parseOpenId, parseSeller } from './sandbox-control.parsers';
import { SandboxDelayService } from './sandbox-delay.service';
import { SandboxFaultsService } from './sandbox-faults.service';
import { SandboxSellersService } from './sandbox-sellers.service';
import { AccessTokenView, CurrentTokens, SandboxStateService } from './sandbox-state.service';
import { SandboxStatsService, SandboxStatsSnapshot } from './sandbox-stats.service';
import { SandboxFault, SandboxInputError, SandboxSeller } from './sandbox.types';

export interface SandboxStatsView extends SandboxStatsSnapshot {
  current: Record<string, CurrentTokens>;
}

/** Test-only levers: demo sellers, codes without a browser, faults, revocation, lifetimes, stats. */
@Injectable()
export class SandboxControlService {
  constructor(
    private readonly config: SandboxConfigService,
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
    return { code: this.state.issueCode(parseOpenId(body)) };
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

  revoke(openId: string): { open_id: string; revoked: true } {
    if (!this.state.revoke(openId)) throw new SandboxInputError(`no authorization for open_id ${openId}`, 404);
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
    return { ...this.stats.snapshot(), current: this.state.current() };
  }

  describeTokens(body: unknown): { access_tokens: Record<string, AccessTokenView | null> } {
    return { access_tokens: this.state.describeAccessTokens(parseAccessTokens(body)) };
  }

  /** Back to the state of a fresh start; requests held by a timeout fault are answered now. */
  reset(): { reset: true } {
    this.faults.clear();
    this.delays.releaseAll();
    this.state.reset();
    this.sellers.reset();
    this.stats.reset();
    this.config.reset();
    return { reset: true };
  }
}
