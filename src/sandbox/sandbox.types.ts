/** Codes TikTok answers in the response envelope (facts document, section 8). */
export enum TikTokCode {
  Success = 0,
  InvalidAccessToken = 105001,
  ExpiredAccessToken = 105002,
  BadSign = 106001,
  /** A shop-scoped call without `shop_cipher` (facts document, section 9). */
  MissingShopCipher = 106013,
  RefreshTokenExpired = 36004001,
  /** The auth code is unknown, already used or expired. */
  InvalidAuthCode = 36004004,
  AuthRecordNotFound = 36004005,
  RateLimited = 36009002,
  InternalError = 36009003,
  InvalidRequest = 36009004,
  /**
   * A product id the shop does not have. Not in the facts document: a product-module (12xxxxxx) code in
   * TikTok's style, so a caller can tell it from the common codes.
   */
  ProductNotFound = 12052048,
}

/** A TikTok-style refusal: the envelope code, its message, and the HTTP status TikTok pairs with it. */
export class SandboxApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly httpStatus = 200,
  ) {
    super(message);
    this.name = 'SandboxApiError';
  }
}

/** TikTok's catch-all refusal of a malformed call (36009004: read with its message). */
export function invalidRequest(message: string): SandboxApiError {
  return new SandboxApiError(TikTokCode.InvalidRequest, message);
}

/** Bad input to the consent page or control API (answered 400/404, never 500). */
export class SandboxInputError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = 'SandboxInputError';
  }
}

export type SellerType = 'CROSS_BORDER' | 'LOCAL';

export interface SandboxShop {
  id: string;
  name: string;
  region: string;
  seller_type: SellerType;
  cipher: string;
  code: string;
}

export interface SandboxSeller {
  open_id: string;
  seller_name: string;
  seller_base_region: string;
  shops: SandboxShop[];
}

/** `data` of a token/get or token/refresh answer, field names as TikTok sends them. */
export interface TokenGrantData {
  access_token: string;
  access_token_expire_in?: number;
  refresh_token: string;
  refresh_token_expire_in: number;
  open_id: string;
  seller_name: string;
  seller_base_region: string;
  user_type: number;
  granted_scopes: string[];
}

export const TOKEN_ENDPOINTS = ['token_get', 'token_refresh'] as const;
/** The Open API routes, by the name a fault gives them (`endpoint` of POST /_control/faults). */
export const OPEN_API_ENDPOINTS = ['shops', 'deauthorize', 'seller_shops', 'order_search', 'product_get', 'image_upload'] as const;
export const API_ENDPOINTS = [...TOKEN_ENDPOINTS, ...OPEN_API_ENDPOINTS] as const;
export type ApiEndpoint = (typeof API_ENDPOINTS)[number];

export const FAULT_TYPES = [
  'http_500',
  'http_503',
  'rate_limit',
  'timeout',
  'html',
  'bad_json',
  'error_code',
  'missing_expiry',
  'past_expiry',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];

export interface SandboxFault {
  endpoint: ApiEndpoint | '*';
  type: FaultType;
  /** Calls still affected; null = until cleared. */
  remaining: number | null;
  delayMs: number;
  /**
   * Timeout only: run the call before holding the answer, so TikTok "processed" it and only the
   * response is lost (the default holds first, then processes as a normal call).
   */
  processFirst: boolean;
  code: number;
  message: string;
  /** rate_limit only: the `Retry-After` header (seconds) of the 429; null sends none. */
  retryAfterSeconds: number | null;
}

export function assertNever(value: never): never {
  throw new Error(`Unexpected value: ${String(value)}`);
}
