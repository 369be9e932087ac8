/** Which TikTok call failed. */
export type TiktokStep = 'token_get' | 'token_refresh' | 'shops' | 'deauthorize';

/**
 * Why it failed. Transient reasons are worth retrying later with backoff (`access_token_expired`: after a
 * refresh); permanent ones are not: `authorization_revoked` and `scope_missing` mean only a new consent by
 * the seller helps, `request_rejected` means TikTok refused this request as such (bad code, unexpected
 * parameter). `app_credentials_rejected` (a bad sign, or an app key or secret TikTok does not accept) is the
 * APP's failure, the same for every seller of the app: transient (the secret gets fixed), never a re-consent.
 */
export type TiktokFailureReason =
  | 'network'
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'invalid_response'
  | 'access_token_expired'
  | 'authorization_revoked'
  | 'scope_missing'
  | 'request_rejected'
  | 'app_credentials_rejected';

export function isTransient(reason: TiktokFailureReason): boolean {
  switch (reason) {
    case 'network':
    case 'timeout':
    case 'rate_limited':
    case 'server_error':
    case 'invalid_response':
    case 'access_token_expired':
    case 'app_credentials_rejected':
      return true;
    case 'authorization_revoked':
    case 'scope_missing':
    case 'request_rejected':
      return false;
  }
}

/** Error codes from the facts document (section 8). */
export const TiktokCodes = {
  accessTokenExpired: 105002,
  accessTokenInvalid: 105001,
  missingScope: 105005,
  badSign: 106001,
  refreshTokenExpired: 36004001,
  /** token/get: the auth code is unknown, expired or already used ("invalid auth code"). */
  invalidAuthCode: 36004004,
  noAuthorizationRecord: 36004005,
  catchAll: 36009004,
  rateLimited: 36009002,
  internalError: 36009003,
  internalTimeout: 36009007,
} as const;

const REAUTHORIZE_CODES = new Set<number>([
  TiktokCodes.refreshTokenExpired,
  TiktokCodes.noAuthorizationRecord,
  TiktokCodes.accessTokenInvalid,
]);
const TRANSIENT_CODES = new Set<number>([TiktokCodes.rateLimited, TiktokCodes.internalError, TiktokCodes.internalTimeout]);

/**
 * 36009004 is TikTok's catch-all: only its message tells the app's credentials apart from a bad token or an
 * unexpected parameter (the emulator: "app_key or app_secret is invalid", "app_key is invalid").
 */
const APP_CREDENTIALS_MESSAGE = /\bapp_?(?:key|secret)\b.*\binvalid\b|\binvalid\b.*\bapp_?(?:key|secret)\b/i;

/**
 * Classifies a TikTok answer from its HTTP status, envelope `code` (undefined when there was no envelope)
 * and, for the catch-all 36009004 only, its message. Only documented codes are permanent: an answer without an
 * envelope (a proxy's HTML page, a gateway's 403 or 408) is transient, so an infrastructure hiccup never costs
 * a seller their consent.
 */
export function classifyFailure(httpStatus: number, code: number | undefined, message = ''): TiktokFailureReason {
  if (code === TiktokCodes.badSign) return 'app_credentials_rejected';
  if (code === TiktokCodes.catchAll && APP_CREDENTIALS_MESSAGE.test(message)) return 'app_credentials_rejected';
  if (httpStatus === 429 || code === TiktokCodes.rateLimited) return 'rate_limited';
  if (code !== undefined && REAUTHORIZE_CODES.has(code)) return 'authorization_revoked';
  if (code === TiktokCodes.missingScope) return 'scope_missing';
  if (code === TiktokCodes.accessTokenExpired) return 'access_token_expired';
  if (code !== undefined && TRANSIENT_CODES.has(code)) return 'server_error';
  if (httpStatus >= 500) return 'server_error';
  if (code === undefined) return httpStatus === 408 ? 'timeout' : 'invalid_response';
  return 'request_rejected';
}

/**
 * A failed TikTok call. The message never contains a URL, token, code or secret: the app secret travels in
 * TikTok's query strings, so the underlying HTTP error is deliberately not kept as `cause`.
 */
export class TiktokError extends Error {
  readonly transient: boolean;

  constructor(
    readonly step: TiktokStep,
    readonly reason: TiktokFailureReason,
    detail: string,
    readonly tiktokCode?: number,
    readonly httpStatus?: number,
    readonly requestId?: string,
  ) {
    super(`TikTok ${step} failed (${reason}${tiktokCode !== undefined ? `, code ${tiktokCode}` : ''}): ${detail}`);
    this.name = 'TiktokError';
    this.transient = isTransient(reason);
  }

  /** Only a new consent by the seller can fix this. */
  get requiresReauthorization(): boolean {
    return this.reason === 'authorization_revoked' || this.reason === 'scope_missing';
  }
}
