/** What every error of this client carries. Never a token or the API key. */
export interface TokenServiceErrorInit {
  /** HTTP status of the service's answer; 0 when there was none (network error, timeout). */
  status: number;
  /** The service's machine-readable `error` (e.g. `reauthorization_required`), or one of {@link ClientErrorCode}. */
  code: string;
  message: string;
  shopId?: string;
  /** When the service (or a proxy) said when to try again. */
  retryAfterSeconds?: number;
  /** Requests made before giving up (1 without retries). */
  attempts?: number;
  /** The apps the service listed: those holding the shop id, on `app_required`. */
  apps?: readonly string[];
  cause?: unknown;
}

/** Codes the client uses when the service gave none. */
export const ClientErrorCode = {
  /** No answer: connection refused or reset, DNS failure... */
  NetworkError: 'network_error',
  /** No complete answer within `timeoutMs`. */
  Timeout: 'timeout',
  /** An answer that is not the service's JSON (a proxy's error page, a 200 without a token). */
  InvalidResponse: 'invalid_response',
} as const;
export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];

/** Base class of every error the client throws about the token service. */
export class TokenServiceError extends Error {
  override readonly name: string = 'TokenServiceError';
  readonly status: number;
  readonly code: string;
  readonly shopId: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly attempts: number;

  constructor(init: TokenServiceErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.shopId = init.shopId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.attempts = init.attempts ?? 1;
  }
}

/** 401: no key, or an unknown or deleted key. */
export class UnauthorizedError extends TokenServiceError {
  override readonly name: string = 'UnauthorizedError';
}

/** 403: the key may not see this shop, lacks the permission (`connect`) or this tenant, or is a service key on an admin route. */
export class ForbiddenError extends TokenServiceError {
  override readonly name: string = 'ForbiddenError';
}

/** 404: no such shop for a key that may see it. */
export class ShopNotFoundError extends TokenServiceError {
  override readonly name: string = 'ShopNotFoundError';
}

/** 404: no such tenant (createConnectSession with the admin key; a `connect` key gets 403 for a tenant not its own). */
export class TenantNotFoundError extends TokenServiceError {
  override readonly name: string = 'TenantNotFoundError';
}

/**
 * 400 `app_required`: the shop id is granted to more than one of the service's apps (TIKTOK_APPS), so the call
 * must name one (`{ app }`). `apps` lists them (for a tenant-scoped key, those of its tenants). Do not retry as is.
 */
export class AppRequiredError extends TokenServiceError {
  override readonly name: string = 'AppRequiredError';
  readonly apps: readonly string[];

  constructor(init: TokenServiceErrorInit) {
    super(init);
    this.apps = [...(init.apps ?? [])];
  }
}

/** 400 `unknown_app`: the `app` given is not one the service configures (TIKTOK_APPS). */
export class UnknownAppError extends TokenServiceError {
  override readonly name: string = 'UnknownAppError';
}

/** 409: the seller's grant is dead or revoked; only a new consent by the seller helps. Do not retry. */
export class ReauthorizationRequiredError extends TokenServiceError {
  override readonly name: string = 'ReauthorizationRequiredError';
}

/**
 * The service could not answer in time: 503 (database down, TikTok unreachable while the token needs
 * renewing), 429, 502 or 504 from a proxy, a network error or a timeout, after the retries ran out, or at
 * once when the service asked for a wait longer than `retryMaxDelayMs` (see `retryAfterSeconds`).
 */
export class ServiceUnavailableError extends TokenServiceError {
  override readonly name: string = 'ServiceUnavailableError';
}

/** The typed error for a status the service answered with; anything unexpected is a plain TokenServiceError. */
export function errorForStatus(init: TokenServiceErrorInit): TokenServiceError {
  switch (init.status) {
    case 400:
      if (init.code === 'app_required') return new AppRequiredError(init);
      return init.code === 'unknown_app' ? new UnknownAppError(init) : new TokenServiceError(init);
    case 401:
      return new UnauthorizedError(init);
    case 403:
      return new ForbiddenError(init);
    case 404:
      if (init.code === 'shop_not_found') return new ShopNotFoundError(init);
      return init.code === 'tenant_not_found' ? new TenantNotFoundError(init) : new TokenServiceError(init);
    case 409:
      return new ReauthorizationRequiredError(init);
    default:
      return RETRYABLE_STATUSES.has(init.status) ? new ServiceUnavailableError(init) : new TokenServiceError(init);
  }
}

/** Statuses worth another try: the service's 503, and what proxies answer while a replica restarts. */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);
