import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { TiktokApp, TiktokApps } from '../config/tiktok-apps';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthorizationEventsRepository } from '../shops/authorization-events.repository';
import { AuthorizationStore } from '../shops/authorization-store.service';
import { ConnectSessionsRepository } from '../tenants/connect-sessions.repository';
import { TiktokClient } from '../tiktok/tiktok.client';
import { TiktokCodes, TiktokError } from '../tiktok/tiktok.errors';
import type { ConsentResult } from './consent-result';
import type { CallbackQueryDto, ConnectedSeller } from './dto/callback-query.dto';
import { OAuthStateService } from './oauth-state.service';
import { invalidConnectSession } from '../tenants/tenants.service';

/** TikTok reports a refusal as `error=auth_denied`; older documents say `access_denied`. */
const DENIALS = new Set(['auth_denied', 'access_denied']);

/** The connect session a callback's state proved (bound to this browser): the consent is its tenant's. */
export interface ProvenSession {
  id: string;
  tenantId: string;
  returnUrl: string | null;
  /** Whether it could still complete when the callback arrived. */
  pending: boolean;
}

/** What a callback ended with, and the session its state proved (null: an anonymous consent, or no proof). */
export type CallbackOutcome = { session: ProvenSession | null } & ({ ok: true; seller: ConnectedSeller } | { ok: false; error: AppError });

/** What the state of a callback proved: nothing (missing, unknown, expired, another browser's), or its consent. */
type Proof = { connectSessionId: string | null; appKey: string | null } | null;

/** The failures a session's tenant has already heard of, or that are not its (the session had ended before). */
const NOT_ANNOUNCED = new Set([ErrorCode.SellerOwnedByOtherTenant, ErrorCode.InvalidConnectSession]);

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly apps: TiktokApps,
    private readonly states: OAuthStateService,
    private readonly tiktok: TiktokClient,
    private readonly store: AuthorizationStore,
    private readonly events: AuthorizationEventsRepository,
    private readonly sessions: ConnectSessionsRepository,
    private readonly notifications: NotificationsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Starts a consent: returns TikTok's consent URL carrying a fresh state bound to this browser, and to the
   * connect session it runs for (null: an anonymous consent).
   */
  async begin(browserId: string, connectSessionId: string | null = null, app: TiktokApp = this.apps.default): Promise<string> {
    return this.tiktok.authorizeUrl(app, await this.states.create(browserId, connectSessionId, app.appKey));
  }

  /**
   * TikTok's redirect: spends the state, then completes the consent. Expected failures (AppError) come back
   * as the outcome, with the session the state proved, so the caller can send the browser back to the
   * session's return_url; a session's tenant is told of each (authorization.connect_failed). Anything else
   * (a bug, the database gone) is thrown. `pathApp`: the app of the redirect URL (`/auth/callback/{app}`), the
   * only way to know the app of a callback without a state; a state's own app must be the same.
   */
  async callback(query: CallbackQueryDto, browserId: string | undefined, pathApp?: TiktokApp): Promise<CallbackOutcome> {
    const state = query.state?.trim() || undefined;
    // The state is spent whatever follows, so the same consent cannot be completed later.
    const proof = state === undefined ? null : await this.states.consume(state, browserId);
    const session = proof?.connectSessionId ? await this.provenSession(proof.connectSessionId) : null;
    try {
      const seller = await this.complete(query, state, proof, session, pathApp);
      return { ok: true, seller, session };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      if (session?.pending && !NOT_ANNOUNCED.has(error.code)) {
        await this.notifications.connectFailed(this.dataSource.manager, {
          tenantId: session.tenantId,
          connectSessionId: session.id,
          appKey: proof?.appKey ?? null,
          error: error.code,
        });
      }
      return { ok: false, error, session };
    }
  }

  /** The same for a browser sent on to the result page (no return_url): what that page shows. */
  static resultOf(outcome: CallbackOutcome): ConsentResult {
    return outcome.ok
      ? { outcome: 'connected', authorizationId: outcome.seller.authorization_id, reGranted: outcome.seller.re_granted }
      : { outcome: 'failed', error: outcome.error.code, message: outcome.error.message };
  }

  private async provenSession(id: string): Promise<ProvenSession | null> {
    const row = await this.sessions.find(id);
    return row && { id: row.id, tenantId: row.tenantId, returnUrl: row.returnUrl, pending: row.status === 'pending' };
  }

  private async complete(
    query: CallbackQueryDto,
    state: string | undefined,
    proof: Proof,
    session: ProvenSession | null,
    pathApp: TiktokApp | undefined,
  ): Promise<ConnectedSeller> {
    const failure = { connect_session_id: session?.id };
    if (query.error !== undefined) {
      await this.recordFailure('denied', { tiktok_error: query.error, ...failure });
      if (DENIALS.has(query.error)) throw new AppError(ErrorCode.AccessDenied, 'the seller did not authorize the app');
      // The redirect is the browser's request, not an answer to one of ours: a 4xx, never a 5xx anyone can trigger.
      throw new AppError(
        ErrorCode.ConsentFailed,
        `TikTok ended the consent with an error: ${query.error}; start again from the authorize button`,
      );
    }
    await this.checkState(state, proof);
    if (proof?.connectSessionId && (!session || !session.pending)) {
      await this.recordFailure('connect_session', { reason: 'completed or cancelled', ...failure });
      throw invalidConnectSession();
    }
    const app = await this.appOf(proof, pathApp);
    const code = query.code?.trim();
    if (!code || code === 'null') throw new AppError(ErrorCode.InvalidRequest, 'the callback carries no authorization code');
    try {
      return await this.connect(app, code, session);
    } catch (error) {
      if (!(error instanceof TiktokError)) throw error;
      await this.recordFailure(error.step, {
        reason: error.reason,
        tiktok_code: error.tiktokCode ?? null,
        transient: error.transient,
        ...failure,
      });
      // A code TikTok does not know (made up, used or expired) is the caller's mistake, not TikTok failing.
      if (error.step === 'token_get' && error.tiktokCode === TiktokCodes.invalidAuthCode) {
        throw new AppError(
          ErrorCode.InvalidCode,
          'TikTok refused the authorization code: it is invalid, expired or already used; start again from the authorize button',
        );
      }
      throw new AppError(
        ErrorCode.TiktokError,
        `TikTok did not complete the authorization (${error.step}: ${error.reason}${error.tiktokCode !== undefined ? `, code ${error.tiktokCode}` : ''}); please try again`,
      );
    }
  }

  /** Exchanges the code and stores the grant (for the session's tenant, if any). Throws TikTok's errors as they come. */
  private async connect(app: TiktokApp, code: string, session: ProvenSession | null): Promise<ConnectedSeller> {
    const grant = await this.tiktok.exchangeCode(app, code);
    const shops = await this.tiktok.authorizedShops(app, grant.accessToken);
    const saved = await this.store.saveGrant(app.appKey, grant, shops, session ?? undefined);
    if (saved.ownedByOtherTenant) {
      this.logger.warn(`ownership conflict: authorization ${saved.authorizationId} stays with its tenant; session ${session?.id} refused`);
      throw new AppError(
        ErrorCode.SellerOwnedByOtherTenant,
        'this TikTok Shop account is already connected through another customer of this service; it stays there',
      );
    }
    this.logger.log(
      `${saved.reGranted ? 're-granted' : 'granted'}: authorization ${saved.authorizationId}, ${saved.shops.length} shop(s)` +
        (saved.conflictingShopIds.length > 0 ? `, ${saved.conflictingShopIds.length} owned through another tenant` : ''),
    );
    return {
      authorization_id: saved.authorizationId,
      app: app.id,
      open_id: saved.openId,
      seller_name: saved.sellerName,
      re_granted: saved.reGranted,
      tenant_id: session?.tenantId ?? null,
      shops: saved.shops.map((shop) => ({ shop_id: shop.id, shop_name: shop.name, region: shop.region, cipher: shop.cipher })),
      conflicting_shop_ids: saved.conflictingShopIds,
    };
  }

  /**
   * The app whose code this is: the state's (a state from before several apps: the default), else the
   * redirect URL's, else the default. A state issued for one app arriving on another app's redirect URL is refused.
   */
  private async appOf(proof: Proof, pathApp: TiktokApp | undefined): Promise<TiktokApp> {
    if (proof === null) return pathApp ?? this.apps.default;
    const stateApp = this.apps.ofStored(proof.appKey);
    if (!stateApp || (pathApp !== undefined && pathApp !== stateApp)) {
      await this.recordFailure('state', { reason: 'issued for another app' });
      throw new AppError(ErrorCode.InvalidState, "the state was issued for another app than this callback's; start again");
    }
    return stateApp;
  }

  private async checkState(state: string | undefined, proof: Proof): Promise<void> {
    if (state === undefined) {
      // App-store installs arrive without a state; accepting them is an explicit opt-in.
      // Such a seller belongs to no tenant: only where anonymous consent is allowed.
      if (this.config.auth.allowStatelessCallback && this.config.tenancy.anonymousConsent) return;
      await this.recordFailure('state', { reason: 'missing' });
      throw new AppError(ErrorCode.InvalidState, 'the callback has no state; start again from the authorize button');
    }
    if (proof === null) {
      await this.recordFailure('state', { reason: 'unknown, expired, used or from another browser' });
      throw new AppError(ErrorCode.InvalidState, 'the state is unknown, expired, already used or from another browser; start again');
    }
  }

  private async recordFailure(step: string, detail: Record<string, unknown>): Promise<void> {
    await this.events.record({ type: 'callback_failed', detail: { step, ...detail } });
  }
}
