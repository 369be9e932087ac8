import { Injectable, Logger } from '@nestjs/common';
import axios, { AxiosInstance, isAxiosError } from 'axios';
import { TiktokAppHealth } from '../common/app-health/tiktok-app-health';
import { AppConfig, TiktokConfig } from '../config/app-config';
import type { TiktokApp } from '../config/tiktok-apps';
import { InvalidResponseError, parseAuthorizedShops, parseTokenGrant } from './tiktok-response.parser';
import { signRequest } from './tiktok-signer';
import { classifyFailure, TiktokError, TiktokStep } from './tiktok.errors';
import type { AuthorizedShop, TokenGrant } from './tiktok.types';

interface Envelope {
  code: number;
  message: string;
  request_id?: string;
  data?: unknown;
}

const SHOPS_PATH = '/authorization/202309/shops';
const DEAUTHORIZE_PATH = '/authorization/202403/shops';

/**
 * The only code that talks to TikTok Shop. Every call has a timeout, every failure becomes a classified
 * {@link TiktokError}, and no URL is ever logged (token calls carry the app secret in the query string).
 * Every call is made for one app (TiktokApps resolves it): its key, its secret, its consent host.
 */
@Injectable()
export class TiktokClient {
  private readonly logger = new Logger(TiktokClient.name);
  private readonly http: AxiosInstance;
  private readonly config: TiktokConfig;

  constructor(
    appConfig: AppConfig,
    /** Told of every call TikTok accepted or refused for an app's credentials. */
    private readonly appHealth: TiktokAppHealth,
  ) {
    this.config = appConfig.tiktok;
    this.http = axios.create({
      timeout: this.config.timeoutMs,
      maxRedirects: 0,
      maxContentLength: 1024 * 1024,
      responseType: 'text',
      transformResponse: [(body: unknown) => body],
      validateStatus: () => true,
      headers: { accept: 'application/json' },
    });
  }

  /** The seller consent page. TikTok takes the Service ID here (not the app key) and no redirect_uri. */
  authorizeUrl(app: TiktokApp, state: string): string {
    const url = new URL(app.authorizeUrl);
    url.searchParams.set('service_id', app.serviceId);
    url.searchParams.set('state', state.trim());
    return url.toString();
  }

  async exchangeCode(app: TiktokApp, authCode: string): Promise<TokenGrant> {
    // The literal grant type is `authorized_code`, not OAuth's `authorization_code`.
    return this.tokenCall(app, 'token_get', '/api/v2/token/get', { auth_code: authCode, grant_type: 'authorized_code' });
  }

  /** Returns a new access token AND a new refresh token: the caller must persist both together. */
  async refresh(app: TiktokApp, refreshToken: string): Promise<TokenGrant> {
    return this.tokenCall(app, 'token_refresh', '/api/v2/token/refresh', { refresh_token: refreshToken, grant_type: 'refresh_token' });
  }

  /** Token endpoints are unsigned; the app secret travels in the query string, hence no URL is ever logged. */
  private async tokenCall(app: TiktokApp, step: TiktokStep, path: string, params: Record<string, string>): Promise<TokenGrant> {
    const data = await this.call(app, step, `${this.config.authBaseUrl}${path}`, {
      app_key: app.appKey,
      app_secret: app.appSecret,
      ...params,
    });
    return this.parse(app, step, () => parseTokenGrant(data, nowSeconds()));
  }

  async authorizedShops(app: TiktokApp, accessToken: string): Promise<AuthorizedShop[]> {
    // Signed with a timestamp taken at send time; shop_cipher must not be sent on this call.
    const query: Record<string, string> = { app_key: app.appKey, timestamp: String(nowSeconds()) };
    query.sign = signRequest(app.appSecret, { path: SHOPS_PATH, query });
    const data = await this.call(app, 'shops', `${this.config.apiBaseUrl}${SHOPS_PATH}`, query, {
      'x-tts-access-token': accessToken,
      'content-type': 'application/json',
    });
    return this.parse(app, 'shops', () => parseAuthorizedShops(data));
  }

  /** Developer-side deauthorization of one shop (signed; the cipher travels as `shop_cipher`). */
  async deauthorizeShop(app: TiktokApp, accessToken: string, shopCipher: string): Promise<void> {
    const query: Record<string, string> = { app_key: app.appKey, timestamp: String(nowSeconds()), shop_cipher: shopCipher };
    query.sign = signRequest(app.appSecret, { path: DEAUTHORIZE_PATH, query });
    await this.call(
      app,
      'deauthorize',
      `${this.config.apiBaseUrl}${DEAUTHORIZE_PATH}`,
      query,
      { 'x-tts-access-token': accessToken },
      'DELETE',
    );
  }

  private parse<T>(app: TiktokApp, step: TiktokStep, parse: () => T): T {
    try {
      return parse();
    } catch (error) {
      if (error instanceof InvalidResponseError) throw this.fail(app, new TiktokError(step, 'invalid_response', error.message));
      throw error;
    }
  }

  private async call(
    app: TiktokApp,
    step: TiktokStep,
    url: string,
    params: Record<string, string>,
    headers?: Record<string, string>,
    method: 'GET' | 'DELETE' = 'GET',
  ): Promise<unknown> {
    let status: number;
    let body: unknown;
    try {
      // axios' own timeout restarts with every byte received; the signal bounds the whole call.
      const signal = AbortSignal.timeout(this.config.timeoutMs);
      const response = await this.http.request<string>({ method, url, params, headers, signal });
      status = response.status;
      body = response.data;
    } catch (error) {
      const timedOut = isAxiosError(error) && ['ECONNABORTED', 'ETIMEDOUT', 'ERR_CANCELED'].includes(error.code ?? '');
      const detail = isAxiosError(error) ? (error.code ?? 'request failed') : 'request failed';
      throw this.fail(app, new TiktokError(step, timedOut ? 'timeout' : 'network', detail));
    }
    const envelope = toEnvelope(body);
    if (!envelope) {
      // An HTML error page from a proxy, or a truncated body: never a reason to give up on the seller.
      throw this.fail(
        app,
        new TiktokError(step, classifyFailure(status, undefined), `HTTP ${status} without a JSON envelope`, undefined, status),
      );
    }
    if (envelope.code !== 0 || status >= 400) {
      const reason = classifyFailure(status, envelope.code === 0 ? undefined : envelope.code, envelope.message);
      throw this.fail(app, new TiktokError(step, reason, truncate(envelope.message), envelope.code, status, envelope.request_id));
    }
    this.appHealth.accepted(app);
    return envelope.data;
  }

  private fail(app: TiktokApp, error: TiktokError): TiktokError {
    this.logger.warn(`${error.message} (app ${app.id})`);
    if (error.reason === 'app_credentials_rejected') this.appHealth.rejected(app, error.tiktokCode);
    return error;
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function truncate(message: string): string {
  return message.length > 200 ? `${message.slice(0, 200)}...` : message;
}

function toEnvelope(body: unknown): Envelope | undefined {
  if (typeof body !== 'string') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { code, message, request_id: requestId, data } = parsed as Record<string, unknown>;
  if (typeof code !== 'number' || !Number.isInteger(code)) return undefined;
  return {
    code,
    message: typeof message === 'string' ? message : '',
    request_id: typeof requestId === 'string' ? requestId : undefined,
    data,
  };
}
