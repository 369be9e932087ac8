import { isExpiredTokenError } from './expired-token.ts';
import { callService, FetchLike, invalidResponse, RetryPolicy, ServiceRequest } from './http.ts';

export interface TokenClientOptions {
  /** Where the service answers, e.g. `http://tts.internal:3000` (a path prefix is kept). */
  baseUrl: string | URL;
  /** A service key (`POST /admin/api-keys`), sent as `Authorization: Bearer`. */
  apiKey: string;
  /** Default `minTtl` of getToken and withToken, in seconds (0-86400). Default 300. */
  minTtl?: number;
  /** Deadline of each HTTP attempt, answer included. Default 10000. */
  timeoutMs?: number;
  /** Retries after the first attempt on 503/429/502/504, network errors and timeouts. Default 3. */
  retries?: number;
  /** First backoff ceiling, doubling on each retry. Default 250. */
  retryBaseDelayMs?: number;
  /** Longest single wait between attempts; a longer Retry-After ends the retries at once. Default 10000. */
  retryMaxDelayMs?: number;
  /** Which errors thrown inside withToken mean "TikTok says this token expired". Default {@link isExpiredTokenError}. */
  isExpiredTokenError?: (error: unknown) => boolean;
  /** The fetch to use; Node's global fetch (looked up at each call) by default. */
  fetch?: FetchLike;
}

export interface ShopOptions {
  /**
   * The service's app (an id of its TIKTOK_APPS, e.g. `us`) whose shop is meant. Needed only for a shop id
   * granted to more than one app: without it the service answers `app_required` (AppRequiredError, whose
   * `apps` lists them). An app the service does not configure is UnknownAppError.
   */
  app?: string;
}

export interface GetTokenOptions extends ShopOptions {
  /** Seconds the token must stay valid at least (0-86400); the client's default otherwise. */
  minTtl?: number;
}

export interface ShopToken {
  /** The service's app whose shop and token this is (`default` for a service with one app). */
  app: string;
  /** The `x-tts-access-token` header of TikTok Shop API calls. */
  accessToken: string;
  /** The `shop_cipher` parameter of calls about this shop. */
  shopCipher: string;
  expiresAt: Date;
  /** The tenant that owns the shop's seller; null: none. */
  tenantId: string | null;
}

export interface ConnectSessionOptions {
  /**
   * Where the merchant's browser comes back once the consent ends: an absolute http(s) URL whose origin the
   * service lists in CONNECT_RETURN_ORIGINS (else 400 `return_url_not_allowed`). Omitted: the service's own result page.
   */
  returnUrl?: string;
  /**
   * The app the seller is asked to authorize, for a service that serves several (its TIKTOK_APPS lists their
   * ids, e.g. `us`); an id it does not serve is a TokenServiceError `unknown_app`. Omitted: the first listed.
   */
  app?: string;
}

export interface ConnectSession {
  /** The session's id: the return redirect (`connect_session_id`) and the notifications name it. */
  id: string;
  /** The connect link to send the merchant to. A secret of sorts: it starts a consent for your tenant. */
  url: string;
  /** The link starts no consent after this. */
  expiresAt: Date;
  /** The app the link asks the seller to authorize (`default` in a service configured for one app). */
  app: string;
}

interface Flight {
  kind: 'get' | 'refresh';
  minTtl: number;
  promise: Promise<ShopToken>;
}

interface ShopState {
  token?: ShopToken;
  flight?: Flight;
  /** Bumped by invalidate(): a read that started before must not put the rejected token back. */
  generation: number;
}

const SHOP_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** An app id as the service's TIKTOK_APPS lists it. */
const APP_ID = /^[a-z0-9-]{1,32}$/;
const TENANT_ID = /^[A-Za-z0-9._:@-]{1,128}$/;
const MAX_MIN_TTL = 86400;
/** How many in-flight requests a getToken waits on before sending its own. */
const MAX_JOINS = 3;

/**
 * Client of the token service: tokens cached in memory until `expiresAt - minTtl`, one request in flight per
 * shop however many callers wait, retries with backoff, typed errors, and the refresh-and-retry-once dance
 * for TikTok's 105002. The API key and tokens are kept in private fields (never printed by console.log)
 * and never put in error messages.
 */
export class TokenClient {
  readonly #apiKey: string;
  readonly #baseUrl: URL;
  readonly #minTtl: number;
  readonly #policy: RetryPolicy;
  readonly #fetch: FetchLike;
  readonly #isExpired: (error: unknown) => boolean;
  /** By shop id and the app named (none: the service picks the only one): each has its own token. */
  readonly #shops = new Map<string, ShopState>();

  constructor(options: TokenClientOptions) {
    this.#baseUrl = baseUrlOf(options.baseUrl);
    // The service's own rule for a key: printable ASCII. Anything else would fail inside fetch, whose message
    // quotes the header value, key included.
    if (typeof options.apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(options.apiKey))
      throw new TypeError('TokenClient: apiKey must be a non-empty string of printable ASCII');
    this.#apiKey = options.apiKey;
    this.#minTtl = checkMinTtl(options.minTtl ?? 300);
    this.#policy = {
      retries: wholeNumber('retries', options.retries ?? 3),
      baseDelayMs: wholeNumber('retryBaseDelayMs', options.retryBaseDelayMs ?? 250),
      maxDelayMs: wholeNumber('retryMaxDelayMs', options.retryMaxDelayMs ?? 10_000),
      timeoutMs: wholeNumber('timeoutMs', options.timeoutMs ?? 10_000),
    };
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
    this.#isExpired = options.isExpiredTokenError ?? isExpiredTokenError;
  }

  /**
   * A token valid for at least `minTtl` seconds: from memory while it is, else from the service, with
   * callers of one shop sharing one request. Throws the errors of errors.ts.
   */
  async getToken(shopId: string, options: GetTokenOptions = {}): Promise<ShopToken> {
    const shop = shopOf(shopId, options);
    const minTtl = options.minTtl === undefined ? this.#minTtl : checkMinTtl(options.minTtl);
    const state = this.#state(shop);
    for (let joined = 0; joined < MAX_JOINS; joined += 1) {
      if (state.token && isFresh(state.token, minTtl)) return copy(state.token);
      const flight = state.flight;
      if (!flight) break;
      const token = await flight.promise;
      // A read asked with at least this min_ttl is the service's best answer, even if TikTok gave less.
      if (isFresh(token, minTtl) || (flight.kind === 'get' && flight.minTtl >= minTtl)) return copy(token);
    }
    return copy(await this.#fly(state, shop, 'get', minTtl));
  }

  /**
   * For a token TikTok refused (105002): forgets the cached token and asks the service for a new one
   * (`POST /v1/shops/{id}/token/refresh`). One refresh in flight per shop; getToken callers meanwhile wait for it.
   */
  async invalidate(shopId: string, options: ShopOptions = {}): Promise<ShopToken> {
    const shop = shopOf(shopId, options);
    const state = this.#state(shop);
    state.token = undefined;
    state.generation += 1;
    if (state.flight?.kind === 'refresh') return copy(await state.flight.promise);
    return copy(await this.#fly(state, shop, 'refresh', 0));
  }

  /**
   * Runs `fn` with a token. If it throws TikTok's expired-token error (see `isExpiredTokenError`), gets a
   * new token once and runs `fn` once more; whatever that second run throws is thrown.
   */
  async withToken<T>(shopId: string, fn: (token: ShopToken) => T | Promise<T>, options: GetTokenOptions = {}): Promise<T> {
    const token = await this.getToken(shopId, options);
    try {
      return await fn(token);
    } catch (error) {
      if (!this.#isExpired(error)) throw error;
      return await fn(await this.#renew(shopOf(shopId, options), token));
    }
  }

  /**
   * A connect link for a merchant of `tenantId` (`POST /v1/connect-sessions`), for a product backend holding a
   * key with the `connect` permission for that tenant (or the admin key): send the merchant to `url`; the seller
   * who consents through it belongs to the tenant. Retried like the other calls (a retry may leave an unused
   * session behind, which simply expires). Throws the errors of errors.ts: ForbiddenError for a tenant not the
   * key's, TenantNotFoundError, a TokenServiceError `return_url_not_allowed` or `unknown_app`.
   */
  async createConnectSession(tenantId: string, options: ConnectSessionOptions = {}): Promise<ConnectSession> {
    if (typeof tenantId !== 'string' || !TENANT_ID.test(tenantId))
      throw new TypeError('tenantId must be 1-128 characters of [A-Za-z0-9._:@-]');
    const { returnUrl, app } = options;
    if (returnUrl !== undefined && typeof returnUrl !== 'string') throw new TypeError('returnUrl must be a string');
    if (app !== undefined && (typeof app !== 'string' || !APP_ID.test(app)))
      throw new TypeError('app must be 1-32 characters of [a-z0-9-]');
    const body: Record<string, string> = { tenant_id: tenantId };
    if (returnUrl !== undefined) body.return_url = returnUrl;
    if (app !== undefined) body.app = app;
    const request: ServiceRequest = {
      method: 'POST',
      url: new URL('v1/connect-sessions', this.#baseUrl),
      headers: { authorization: `Bearer ${this.#apiKey}`, accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(body),
      subject: `tenant ${tenantId}`,
    };
    return parseConnectSession(await callService(this.#fetch, request, this.#policy), request);
  }

  /** A token other than `rejected`: one already renewed by another caller, else a refresh. */
  async #renew(shop: Shop, rejected: ShopToken): Promise<ShopToken> {
    const state = this.#state(shop);
    if (state.flight?.kind === 'refresh') return copy(await state.flight.promise);
    if (state.token && state.token.accessToken !== rejected.accessToken && isFresh(state.token, 0)) return copy(state.token);
    return this.invalidate(shop.id, { app: shop.app });
  }

  #state(shop: Shop): ShopState {
    const key = shop.app === undefined ? shop.id : `${shop.id}/${shop.app}`;
    let state = this.#shops.get(key);
    if (!state) {
      state = { generation: 0 };
      this.#shops.set(key, state);
    }
    return state;
  }

  #fly(state: ShopState, shop: Shop, kind: Flight['kind'], minTtl: number): Promise<ShopToken> {
    const generation = state.generation;
    const flight: Flight = {
      kind,
      minTtl,
      promise: this.#request(kind, shop, minTtl)
        .then((token) => {
          if (kind === 'refresh' || state.generation === generation) state.token = token;
          return token;
        })
        .finally(() => {
          if (state.flight === flight) state.flight = undefined;
        }),
    };
    state.flight = flight;
    return flight.promise;
  }

  async #request(kind: Flight['kind'], shop: Shop, minTtl: number): Promise<ShopToken> {
    const url = new URL(`v1/shops/${shop.id}/token${kind === 'refresh' ? '/refresh' : ''}`, this.#baseUrl);
    const search = new URLSearchParams();
    if (kind === 'get') search.set('min_ttl', String(minTtl));
    if (shop.app !== undefined) search.set('app', shop.app);
    url.search = search.toString();
    const request: ServiceRequest = {
      method: kind === 'get' ? 'GET' : 'POST',
      url,
      headers: { authorization: `Bearer ${this.#apiKey}`, accept: 'application/json' },
      subject: shop.app === undefined ? `shop ${shop.id}` : `shop ${shop.id} (app ${shop.app})`,
      shopId: shop.id,
    };
    return parseToken(await callService(this.#fetch, request, this.#policy), request);
  }
}

/** A shop the caller asked about: its id, and the app it named (undefined: none). */
interface Shop {
  id: string;
  app: string | undefined;
}

function shopOf(shopId: unknown, options: ShopOptions): Shop {
  if (typeof shopId !== 'string' || !SHOP_ID.test(shopId)) throw new TypeError('shopId must be 1-64 characters of [A-Za-z0-9_-]');
  const { app } = options;
  if (app !== undefined && (typeof app !== 'string' || !APP_ID.test(app))) throw new TypeError('app must be 1-32 characters of [a-z0-9-]');
  return { id: shopId, app };
}

function parseToken(body: unknown, request: ServiceRequest): ShopToken {
  const fields = (body ?? {}) as Record<string, unknown>;
  const { access_token: accessToken, shop_cipher: shopCipher, expires_at: expiresAt, tenant_id: tenantId, app } = fields;
  if (typeof accessToken !== 'string' || accessToken === '' || typeof shopCipher !== 'string' || typeof expiresAt !== 'string') {
    throw invalidResponse(200, request, 'access_token, shop_cipher or expires_at missing');
  }
  const expiry = new Date(expiresAt);
  if (Number.isNaN(expiry.getTime())) throw invalidResponse(200, request, 'expires_at is not a date');
  return {
    // A service from before several apps names none: it had one, `default`.
    app: typeof app === 'string' ? app : 'default',
    accessToken,
    shopCipher,
    expiresAt: expiry,
    tenantId: typeof tenantId === 'string' ? tenantId : null,
  };
}

function parseConnectSession(body: unknown, request: ServiceRequest): ConnectSession {
  const { id, url, expires_at: expiresAt, app } = (body ?? {}) as Record<string, unknown>;
  if (typeof id !== 'string' || id === '' || typeof url !== 'string' || url === '' || typeof expiresAt !== 'string') {
    throw invalidResponse(201, request, 'id, url or expires_at missing');
  }
  const expiry = new Date(expiresAt);
  if (Number.isNaN(expiry.getTime())) throw invalidResponse(201, request, 'expires_at is not a date');
  // A service from before several apps answers no app: it served one, `default`.
  return { id, url, expiresAt: expiry, app: typeof app === 'string' ? app : 'default' };
}

function isFresh(token: ShopToken, minTtlSeconds: number): boolean {
  return token.expiresAt.getTime() - minTtlSeconds * 1000 > Date.now();
}

/** Callers get their own object: changing it cannot change what others are handed. */
function copy(token: ShopToken): ShopToken {
  return {
    app: token.app,
    accessToken: token.accessToken,
    shopCipher: token.shopCipher,
    expiresAt: new Date(token.expiresAt.getTime()),
    tenantId: token.tenantId,
  };
}

function baseUrlOf(value: string | URL): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError('TokenClient: baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('TokenClient: baseUrl must be an absolute http(s) URL');
  // fetch refuses such a URL with a message that repeats it, password included; the key goes in apiKey.
  if (url.username !== '' || url.password !== '') throw new TypeError('TokenClient: baseUrl must not carry a user name or password');
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

function checkMinTtl(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_MIN_TTL)
    throw new RangeError(`minTtl must be a whole number of seconds from 0 to ${MAX_MIN_TTL}`);
  return value;
}

function wholeNumber(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`TokenClient: ${name} must be a whole number >= 0`);
  return value;
}
