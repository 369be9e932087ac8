import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthorizationEventsRepository } from '../shops/authorization-events.repository';
import { AuthorizationStore } from '../shops/authorization-store.service';
import { TiktokClient } from '../tiktok/tiktok.client';
import { TiktokCodes, TiktokError } from '../tiktok/tiktok.errors';
import type { ConsentResult } from './consent-result';
import type { CallbackQueryDto, ConnectedSeller } from './dto/callback-query.dto';
import { OAuthStateService } from './oauth-state.service';

/** TikTok reports a refusal as `error=auth_denied`; older documents say `access_denied`. */
const DENIALS = new Set(['auth_denied', 'access_denied']);

@Injectable()
export class AuthService {
  private readonly logger = new Logger(AuthService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly states: OAuthStateService,
    private readonly tiktok: TiktokClient,
    private readonly store: AuthorizationStore,
    private readonly events: AuthorizationEventsRepository,
  ) {}

  /** Starts a consent: returns TikTok's consent URL carrying a fresh state bound to this browser. */
  async begin(browserId: string): Promise<string> {
    return this.tiktok.authorizeUrl(await this.states.create(browserId));
  }

  async complete(query: CallbackQueryDto, browserId: string | undefined): Promise<ConnectedSeller> {
    const state = query.state?.trim() || undefined;
    if (query.error !== undefined) {
      // Burn the state so the same consent cannot be completed later.
      if (state) await this.states.consume(state, browserId);
      await this.recordFailure('denied', { tiktok_error: query.error });
      if (DENIALS.has(query.error)) throw new AppError(ErrorCode.AccessDenied, 'the seller did not authorize the app');
      // The redirect is the browser's request, not an answer to one of ours: a 4xx, never a 5xx anyone can trigger.
      throw new AppError(
        ErrorCode.ConsentFailed,
        `TikTok ended the consent with an error: ${query.error}; start again from the authorize button`,
      );
    }
    await this.checkState(state, browserId);
    const code = query.code?.trim();
    if (!code || code === 'null') throw new AppError(ErrorCode.InvalidRequest, 'the callback carries no authorization code');

    try {
      const grant = await this.tiktok.exchangeCode(code);
      const shops = await this.tiktok.authorizedShops(grant.accessToken);
      const saved = await this.store.saveGrant(this.tiktok.appKey, grant, shops);
      this.logger.log(`${saved.reGranted ? 're-granted' : 'granted'}: authorization ${saved.authorizationId}, ${shops.length} shop(s)`);
      return {
        authorization_id: saved.authorizationId,
        open_id: saved.openId,
        seller_name: saved.sellerName,
        re_granted: saved.reGranted,
        shops: shops.map((shop) => ({ shop_id: shop.id, shop_name: shop.name, region: shop.region, cipher: shop.cipher })),
      };
    } catch (error) {
      if (!(error instanceof TiktokError)) throw error;
      await this.recordFailure(error.step, { reason: error.reason, tiktok_code: error.tiktokCode ?? null, transient: error.transient });
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

  /**
   * The same for a browser, which is then sent on to the result page: the outcome instead of a thrown
   * AppError. Anything else (a bug, the database gone) still goes to the exception filter.
   */
  async completeInBrowser(query: CallbackQueryDto, browserId: string | undefined): Promise<ConsentResult> {
    try {
      const seller = await this.complete(query, browserId);
      return { outcome: 'connected', authorizationId: seller.authorization_id, reGranted: seller.re_granted };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { outcome: 'failed', error: error.code, message: error.message };
    }
  }

  private async checkState(state: string | undefined, browserId: string | undefined): Promise<void> {
    if (state === undefined) {
      // App-store installs arrive without a state; accepting them is an explicit opt-in.
      if (this.config.auth.allowStatelessCallback) return;
      await this.recordFailure('state', { reason: 'missing' });
      throw new AppError(ErrorCode.InvalidState, 'the callback has no state; start again from the authorize button');
    }
    if (!(await this.states.consume(state, browserId))) {
      await this.recordFailure('state', { reason: 'unknown, expired, used or from another browser' });
      throw new AppError(ErrorCode.InvalidState, 'the state is unknown, expired, already used or from another browser; start again');
    }
  }

  private async recordFailure(step: string, detail: Record<string, unknown>): Promise<void> {
    await this.events.record({ type: 'callback_failed', detail: { step, ...detail } });
  }
}
