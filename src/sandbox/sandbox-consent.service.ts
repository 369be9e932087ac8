import { Injectable } from '@nestjs/common';
import { SandboxAppsService } from './sandbox-apps.service';
import { consentPage } from './sandbox-pages';
import { parseParams } from './sandbox-query';
import { SandboxSellersService } from './sandbox-sellers.service';
import { GRANTED_SCOPES, SandboxStateService } from './sandbox-state.service';
import type { SandboxApp } from './sandbox.options';
import { SandboxInputError } from './sandbox.types';

/** Longer than any real CSRF state; a cap keeps the echoed page and redirect bounded. */
const MAX_STATE_LENGTH = 2048;

/** The seller-facing consent page: who is asking, which seller approves, and the redirect back. */
@Injectable()
export class SandboxConsentService {
  constructor(
    private readonly apps: SandboxAppsService,
    private readonly sellers: SandboxSellersService,
    private readonly state: SandboxStateService,
  ) {}

  page(query: unknown): string {
    const { app, ...params } = this.readCommon(query);
    return consentPage({
      appId: app.id,
      serviceId: app.serviceId,
      state: params.state,
      sellers: this.sellers.list(),
      scopes: GRANTED_SCOPES,
    });
  }

  /** Returns where to send the browser: the app's fixed redirect URL with code or error and state. */
  decide(body: unknown): string {
    const { app, ...params } = this.readCommon(body);
    const decision = params.decision;
    const target = new URL(app.redirectUrl);
    if (decision === 'deny') {
      target.searchParams.set('code', 'null');
      target.searchParams.set('error', 'auth_denied');
    } else if (decision === 'approve') {
      const openId = params.open_id;
      if (!openId) throw new SandboxInputError('choose a seller account to approve with');
      if (!this.sellers.get(openId)) throw new SandboxInputError('unknown seller account');
      target.searchParams.set('code', this.state.issueCode(app.appKey, openId));
    } else {
      throw new SandboxInputError('decision must be approve or deny');
    }
    if (params.state !== '') target.searchParams.set('state', params.state);
    return target.toString();
  }

  private readCommon(raw: unknown): { app: SandboxApp; state: string; decision?: string; open_id?: string } {
    const { params, malformed } = parseParams(raw);
    if (malformed.length > 0) throw new SandboxInputError(`parameter ${malformed[0]} must be given exactly once`);
    if (!params.service_id) throw new SandboxInputError('service_id is required');
    const app = this.apps.byServiceId(params.service_id);
    if (!app) throw new SandboxInputError('service_id does not match any app (hint: it is the Service ID, not the app key)');
    const state = params.state ?? '';
    if (state.length > MAX_STATE_LENGTH) throw new SandboxInputError('state is too long');
    return { app, state, decision: params.decision, open_id: params.open_id };
  }
}
