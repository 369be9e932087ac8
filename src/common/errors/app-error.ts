/** Machine-readable error codes this service answers with. Mapped to HTTP statuses in one place. */
export enum ErrorCode {
  InvalidRequest = 'invalid_request',
  InvalidJson = 'invalid_json',
  InvalidState = 'invalid_state',
  AccessDenied = 'access_denied',
  NotFound = 'not_found',
  MethodNotAllowed = 'method_not_allowed',
  PayloadTooLarge = 'payload_too_large',
  UnsupportedMediaType = 'unsupported_media_type',
  TooManyRequests = 'too_many_requests',
  TiktokError = 'tiktok_error',
  ServiceUnavailable = 'service_unavailable',
  InternalError = 'internal_error',
}

/** An expected failure: its message is safe to show to the caller (no token, code or secret). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
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
    case ErrorCode.AccessDenied:
      return 400;
    case ErrorCode.NotFound:
      return 404;
    case ErrorCode.MethodNotAllowed:
      return 405;
    case ErrorCode.PayloadTooLarge:
      return 413;
    case ErrorCode.UnsupportedMediaType:
      return 415;
    case ErrorCode.TooManyRequests:
      return 429;
    case ErrorCode.TiktokError:
      return 502;
    case ErrorCode.ServiceUnavailable:
      return 503;
    case ErrorCode.InternalError:
      return 500;
  }
}
