/** Machine-readable error codes this service answers with. Mapped to HTTP statuses in one place. */
export enum ErrorCode {
  InvalidRequest = 'invalid_request',
  InvalidJson = 'invalid_json',
  InvalidState = 'invalid_state',
  InvalidCode = 'invalid_code',
  Unauthorized = 'unauthorized',
  InvalidSignature = 'invalid_signature',
  Forbidden = 'forbidden',
  ShopNotFound = 'shop_not_found',
  ApiKeyNotFound = 'api_key_not_found',
  TenantNotFound = 'tenant_not_found',
  AuthorizationNotFound = 'authorization_not_found',
  ResultNotFound = 'result_not_found',
  ReauthorizationRequired = 'reauthorization_required',
  TiktokUnavailable = 'tiktok_unavailable',
  AccessDenied = 'access_denied',
  ConsentFailed = 'consent_failed',
  InvalidConnectSession = 'invalid_connect_session',
  ReturnUrlNotAllowed = 'return_url_not_allowed',
  SellerOwnedByOtherTenant = 'seller_owned_by_other_tenant',
  /** An `app` this deployment does not configure (TIKTOK_APPS). */
  UnknownApp = 'unknown_app',
  /** A shop id granted to more than one app, asked for without `?app=`. */
  AppRequired = 'app_required',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  PayloadTooLarge = 'payload_too_large',
  RequestTimeout = 'request_timeout',
  HeadersTooLarge = 'headers_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  TooManyRequests = 'too_many_requests',
  TiktokError = 'tiktok_error',
  ServiceUnavailable = 'service_unavailable',
  InternalError = 'internal_error',
}

/**
 * An expected failure: its message is safe to show to the caller (no token, code or secret). `answer`: more
 * fields of the JSON answer, beside `statusCode`, `error` and `message` (an offboarding's per-shop report).
 */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly answer?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case ErrorCode.InvalidRequest:
    case ErrorCode.InvalidJson:
    case ErrorCode.InvalidState:
    case ErrorCode.InvalidCode:
    case ErrorCode.AccessDenied:
    case ErrorCode.ConsentFailed:
    case ErrorCode.InvalidConnectSession:
    case ErrorCode.ReturnUrlNotAllowed:
    case ErrorCode.UnknownApp:
    case ErrorCode.AppRequired:
      return 400;
    case ErrorCode.Unauthorized:
    case ErrorCode.InvalidSignature:
      return 401;
    case ErrorCode.Forbidden:
      return 403;
    case ErrorCode.NotFound:
    case ErrorCode.ShopNotFound:
    case ErrorCode.ApiKeyNotFound:
    case ErrorCode.TenantNotFound:
    case ErrorCode.AuthorizationNotFound:
    case ErrorCode.ResultNotFound:
      return 404;
    case ErrorCode.ReauthorizationRequired:
    case ErrorCode.SellerOwnedByOtherTenant:
      return 409;
    case ErrorCode.MethodNotAllowed:
      return 405;
    case ErrorCode.RequestTimeout:
      return 408;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.HeadersTooLarge:
      return 431;
    case ErrorCode.UnsupportedMediaType:
      return 415;
    case ErrorCode.TooManyRequests:
      return 429;
    case ErrorCode.TiktokError:
      return 502;
    case ErrorCode.ServiceUnavailable:
    case ErrorCode.TiktokUnavailable:
      return 503;
    case ErrorCode.InternalError:
      return 500;
  }
}
