import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { actorKeyId, Caller } from '../access/caller';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { requireApp } from '../common/http/apps';
import { AppConfig } from '../config/app-config';
import { TiktokApp, TiktokApps } from '../config/tiktok-apps';
import { ConnectSessionsRepository, SessionRow } from '../tenants/connect-sessions.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { invalidConnectSession, tenantNotFound } from '../tenants/tenants.service';
import { allowedReturnUrl, isConnectToken } from './connect-return';
import type { ConnectSessionResponse, CreateConnectSessionDto } from './dto/connect-session.dto';
import { randomToken, sha256Hex } from './oauth-state.service';

/** The tenant of the home page's demo connect link (sandbox mode only). */
export const DEMO_TENANT = { tenantId: 'demo', name: 'Demo tenant', metadata: { created_by: 'the sandbox home page' } };
/** What a demo session records as its creator: no key made it. */
const DEMO_CREATOR = 'sandbox-demo';

/** PostgreSQL's foreign_key_violation: the tenant went between the check and the insert. */
const FOREIGN_KEY_VIOLATION = '23503';

/** Connect sessions: links a tenant's product hands to a merchant, each starting one consent for that tenant. */
@Injectable()
export class ConnectSessionsService {
  constructor(
    private readonly config: AppConfig,
    private readonly apps: TiktokApps,
    private readonly tenants: TenantsRepository,
    private readonly sessions: ConnectSessionsRepository,
  ) {}

  /**
   * A new session for the tenant. A service key needs the `connect` permission (the route checks it) for this
   * very tenant: any other is 403, whether the tenant exists or not. `app`: the app the seller authorizes
   * (default: the first listed; unknown: 400 `unknown_app`).
   */
  async create(caller: Caller, body: CreateConnectSessionDto): Promise<ConnectSessionResponse> {
    if (caller.kind === 'service' && !(caller.tenantIds ?? []).includes(body.tenant_id)) {
      throw new AppError(ErrorCode.Forbidden, 'this API key may not create connect sessions for this tenant');
    }
    const app = requireApp(this.apps, body.app);
    const returnUrl = typeof body.return_url === 'string' ? allowedReturnUrl(body.return_url, this.config.tenancy.returnOrigins) : null;
    if (!(await this.tenants.find(body.tenant_id))) throw tenantNotFound(body.tenant_id);
    return this.insert(body.tenant_id, returnUrl, actorKeyId(caller), app);
  }

  /**
   * The pending, unexpired session of a connect link's token and the app its consent is for; 400
   * `invalid_connect_session` otherwise.
   */
  async usable(token: string): Promise<{ session: SessionRow; app: TiktokApp }> {
    if (!isConnectToken(token)) throw invalidConnectSession();
    const session = await this.sessions.findUsable(sha256Hex(token));
    if (!session) throw invalidConnectSession();
    // Null: a session from before several apps, for the default one. An app no longer configured (start-up
    // refuses its authorizations, not its pending links) can start no consent.
    const app = this.apps.ofStored(session.appKey);
    if (!app) throw invalidConnectSession();
    return { session, app };
  }

  /**
   * A fresh connect link of the demo tenant (created on demand), for the sandbox home page; `appId`: for that
   * app (default: the first listed; unknown: 400 `unknown_app`).
   */
  async demoLink(appId?: unknown): Promise<string> {
    if (!this.config.sandbox.enabled) throw new AppError(ErrorCode.NotFound, 'no route for GET /auth/connect-demo');
    const app = requireApp(this.apps, appId);
    // Created once: an admin's later edits of the demo tenant stay.
    if (!(await this.tenants.find(DEMO_TENANT.tenantId))) await this.tenants.upsert(DEMO_TENANT);
    return (await this.insert(DEMO_TENANT.tenantId, null, DEMO_CREATOR, app)).url;
  }

  private async insert(
    tenantId: string,
    returnUrl: string | null,
    createdByKeyId: string,
    app: TiktokApp,
  ): Promise<ConnectSessionResponse> {
    const token = randomToken();
    const id = randomUUID();
    let expiresAt: Date;
    try {
      expiresAt = await this.sessions.insert(
        { id, tokenHash: sha256Hex(token), tenantId, returnUrl, createdByKeyId, appKey: app.appKey },
        this.config.tenancy.connectSessionTtlSeconds,
      );
    } catch (error) {
      const code = error instanceof QueryFailedError ? (error.driverError as { code?: unknown }).code : undefined;
      if (code === FOREIGN_KEY_VIOLATION) throw tenantNotFound(tenantId);
      throw error;
    }
    return { id, url: `${this.config.publicBaseUrl}/connect/${token}`, expires_at: new Date(expiresAt).toISOString(), app: app.id };
  }
}
