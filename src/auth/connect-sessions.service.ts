import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { QueryFailedError } from 'typeorm';
import { actorKeyId, Caller } from '../access/caller';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
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
    private readonly tenants: TenantsRepository,
    private readonly sessions: ConnectSessionsRepository,
  ) {}

  /**
   * A new session for the tenant. A service key needs the `connect` permission (the route checks it) for this
   * very tenant: any other is 403, whether the tenant exists or not.
   */
  async create(caller: Caller, body: CreateConnectSessionDto): Promise<ConnectSessionResponse> {
    if (caller.kind === 'service' && !(caller.tenantIds ?? []).includes(body.tenant_id)) {
      throw new AppError(ErrorCode.Forbidden, 'this API key may not create connect sessions for this tenant');
    }
    const returnUrl = typeof body.return_url === 'string' ? allowedReturnUrl(body.return_url, this.config.tenancy.returnOrigins) : null;
    if (!(await this.tenants.find(body.tenant_id))) throw tenantNotFound(body.tenant_id);
    return this.insert(body.tenant_id, returnUrl, actorKeyId(caller));
  }

  /** The pending, unexpired session of a connect link's token; 400 `invalid_connect_session` otherwise. */
  async usable(token: string): Promise<SessionRow> {
    if (!isConnectToken(token)) throw invalidConnectSession();
    const session = await this.sessions.findUsable(sha256Hex(token));
    if (!session) throw invalidConnectSession();
    return session;
  }

  /** A fresh connect link of the demo tenant (created on demand), for the sandbox home page. */
  async demoLink(): Promise<string> {
    if (!this.config.sandbox.enabled) throw new AppError(ErrorCode.NotFound, 'no route for GET /auth/connect-demo');
    // Created once: an admin's later edits of the demo tenant stay.
    if (!(await this.tenants.find(DEMO_TENANT.tenantId))) await this.tenants.upsert(DEMO_TENANT);
    return (await this.insert(DEMO_TENANT.tenantId, null, DEMO_CREATOR)).url;
  }

  private async insert(tenantId: string, returnUrl: string | null, createdByKeyId: string): Promise<ConnectSessionResponse> {
    const token = randomToken();
    const id = randomUUID();
    let expiresAt: Date;
    try {
      expiresAt = await this.sessions.insert(
        { id, tokenHash: sha256Hex(token), tenantId, returnUrl, createdByKeyId },
        this.config.tenancy.connectSessionTtlSeconds,
      );
    } catch (error) {
      const code = error instanceof QueryFailedError ? (error.driverError as { code?: unknown }).code : undefined;
      if (code === FOREIGN_KEY_VIOLATION) throw tenantNotFound(tenantId);
      throw error;
    }
    return { id, url: `${this.config.publicBaseUrl}/connect/${token}`, expires_at: new Date(expiresAt).toISOString() };
  }
}
