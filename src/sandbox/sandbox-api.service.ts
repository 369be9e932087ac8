import { Injectable } from '@nestjs/common';
import { signRequest } from '../tiktok/tiktok-signer';
import { SandboxAppsService } from './sandbox-apps.service';
import { SandboxClock } from './sandbox-clock';
import { SandboxConfigService } from './sandbox-config.service';
import { SandboxDelayService } from './sandbox-delay.service';
import { SandboxFaultReplies } from './sandbox-fault-replies';
import { SandboxFaultsService } from './sandbox-faults.service';
import { newRequestId, safeEqual } from './sandbox-ids';
import { has, parseParams } from './sandbox-query';
import { envelopeReply, SandboxReply } from './sandbox-reply';
import { SandboxStateService } from './sandbox-state.service';
import { SandboxStatsService } from './sandbox-stats.service';
import { ApiEndpoint, invalidRequest, SandboxApiError, TikTokCode } from './sandbox.types';

/** TikTok's accepted timestamp window around its own clock (facts document, section 6). */
const TIMESTAMP_PAST_SECONDS = 300;
const TIMESTAMP_FUTURE_SECONDS = 30;
export const SHOPS_PATH = '/authorization/202309/shops';
/** The answer to a call nobody is waiting for any more; it is never processed. */
const DROPPED: SandboxReply = envelopeReply({ code: 36009007, message: 'caller went away', request_id: '', data: {} }, 503);
export const DEAUTHORIZE_PATH = '/authorization/202403/shops';

export interface OpenApiRequest {
  query: unknown;
  accessToken: string | undefined;
  rawBody?: Buffer;
  contentType?: string;
}

/** The token and Open API endpoints: TikTok's validation order, its error codes, plus injected faults. */
@Injectable()
export class SandboxApiService {
  constructor(
    private readonly apps: SandboxAppsService,
    private readonly clock: SandboxClock,
    private readonly config: SandboxConfigService,
    private readonly state: SandboxStateService,
    private readonly faults: SandboxFaultsService,
    private readonly faultReplies: SandboxFaultReplies,
    private readonly stats: SandboxStatsService,
    private readonly delays: SandboxDelayService,
  ) {}

  tokenGet(query: unknown): Promise<SandboxReply> {
    const { params } = parseParams(query);
    return this.run('token_get', () => this.exchange(query), this.state.codeOwner(params.auth_code ?? ''));
  }

  /**
   * `abandoned` reports whether the caller has gone away (its process was killed, say) while the call was
   * held by latency or a timeout fault: such a call is dropped unprocessed, as if the connection had died
   * before TikTok processed it. (A fault with process_first emulates the other case.)
   */
  tokenRefresh(query: unknown, abandoned?: () => boolean): Promise<SandboxReply> {
    const { params } = parseParams(query);
    const owner = this.state.refreshTokenOwner(params.refresh_token ?? '');
    if (owner) this.stats.recordRefreshAttempt(owner);
    return this.run('token_refresh', () => this.refresh(query), owner, abandoned);
  }

  shops(request: OpenApiRequest): Promise<SandboxReply> {
    return this.run('shops', () => {
      const { appKey, openId } = this.verifyOpenApi(SHOPS_PATH, request, (p) => {
        if (has(p, 'shop_cipher')) throw invalidRequest('shop_cipher must not be sent to this API');
      });
      const shops = this.state.authorizedShops(appKey, openId).map((shop) => ({
        id: shop.id,
        name: shop.name,
        region: shop.region,
        seller_type: shop.seller_type,
        cipher: shop.cipher,
        code: shop.code,
      }));
      return { shops };
    });
  }

  deauthorize(request: OpenApiRequest): Promise<SandboxReply> {
    return this.run('deauthorize', () => {
      const { params, appKey, openId } = this.verifyOpenApi(DEAUTHORIZE_PATH, request, (p) => {
        if (!p.shop_cipher) throw invalidRequest('shop_cipher is required');
      });
      this.state.removeShop(appKey, openId, params.shop_cipher);
      return {};
    });
  }

  /**
   * Every call counts and waits the configured latency; a queued fault replaces or delays the answer. Shared by
   * the shop-scoped Open API (sandbox-open-api.service.ts), so its faults and latency are the same.
   */
  async run(endpoint: ApiEndpoint, work: () => object, faultOwner?: string, abandoned?: () => boolean): Promise<SandboxReply> {
    this.stats.recordCall(endpoint);
    await this.delays.sleep(this.config.latencyMs);
    const fault = this.faults.take(endpoint);
    if (!fault) return abandoned?.() ? DROPPED : this.answer(work);
    const type = fault.type;
    if (type !== 'timeout') return this.faultReplies.reply(type, fault, faultOwner);
    if (fault.processFirst) {
      const reply = this.answer(work);
      await this.delays.sleep(fault.delayMs);
      return reply;
    }
    await this.delays.sleep(fault.delayMs);
    return abandoned?.() ? DROPPED : this.answer(work);
  }

  private answer(work: () => object): SandboxReply {
    const requestId = (): string => newRequestId(this.clock.nowMs());
    try {
      const data = work();
      return envelopeReply({ code: TikTokCode.Success, message: 'success', request_id: requestId(), data });
    } catch (error) {
      if (!(error instanceof SandboxApiError)) throw error;
      return envelopeReply({ code: error.code, message: error.message, request_id: requestId(), data: {} }, error.httpStatus);
    }
  }

  private exchange(query: unknown): object {
    const { params, appKey } = this.appParams(query);
    if (params.grant_type !== 'authorized_code') throw invalidRequest('grant_type must be authorized_code');
    if (!params.auth_code) throw invalidRequest('auth_code is required');
    return this.state.exchangeCode(appKey, params.auth_code);
  }

  private refresh(query: unknown): object {
    const { params, appKey } = this.appParams(query);
    if (params.grant_type !== 'refresh_token') throw invalidRequest('grant_type must be refresh_token');
    if (!params.refresh_token) throw invalidRequest('refresh_token is required');
    return this.state.refresh(appKey, params.refresh_token);
  }

  /** Token endpoints authenticate the app by app_key + app_secret in the query (no signature). */
  private appParams(query: unknown): { params: Record<string, string>; appKey: string } {
    const params = singleValued(query);
    const app = this.apps.byKey(params.app_key);
    // Compared even without a matching app, so the answer takes as long either way.
    const secretOk = safeEqual(params.app_secret ?? '', this.apps.secretOf(app ?? this.apps.first));
    if (!app || !secretOk) throw invalidRequest('app_key or app_secret is invalid');
    return { params, appKey: app.appKey };
  }

  /**
   * TikTok's checks in its order: app_key, timestamp window, sign (over the raw body unless multipart), then
   * the endpoint's own parameter rules, then the access token (105001/105002) of this app's grant.
   */
  verifyOpenApi(
    path: string,
    request: OpenApiRequest,
    checkParams: (params: Record<string, string>) => void,
  ): { params: Record<string, string>; appKey: string; openId: string } {
    const params = singleValued(request.query);
    const app = this.apps.byKey(params.app_key);
    if (!app) throw invalidRequest('app_key is invalid');
    const timestamp = params.timestamp ?? '';
    if (!/^\d{1,12}$/.test(timestamp)) throw invalidRequest('timestamp is required (Unix seconds)');
    const now = this.clock.nowSeconds();
    const age = now - Number(timestamp);
    if (age > TIMESTAMP_PAST_SECONDS || -age > TIMESTAMP_FUTURE_SECONDS) {
      throw invalidRequest('timestamp is outside the accepted window');
    }
    const body = request.rawBody && request.rawBody.length > 0 ? request.rawBody : undefined;
    const expected = signRequest(this.apps.secretOf(app), {
      path,
      query: params,
      body,
      contentType: request.contentType,
    });
    if (!safeEqual(params.sign ?? '', expected)) {
      throw new SandboxApiError(TikTokCode.BadSign, 'Invalid sign: the request signature does not match', 401);
    }
    checkParams(params);
    return { params, appKey: app.appKey, openId: this.state.authenticate(app.appKey, request.accessToken) };
  }
}

function singleValued(query: unknown): Record<string, string> {
  const { params, malformed } = parseParams(query);
  if (malformed.length > 0) throw invalidRequest(`parameter ${malformed[0]} must be given exactly once`);
  return params;
}
