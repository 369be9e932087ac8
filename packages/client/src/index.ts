export { TokenClient } from './token-client.ts';
export type { ConnectSession, ConnectSessionOptions, GetTokenOptions, ShopOptions, ShopToken, TokenClientOptions } from './token-client.ts';
export {
  AppRequiredError,
  ClientErrorCode,
  ForbiddenError,
  ReauthorizationRequiredError,
  ServiceUnavailableError,
  ShopNotFoundError,
  TenantNotFoundError,
  TokenServiceError,
  UnauthorizedError,
  UnknownAppError,
} from './errors.ts';
export type { TokenServiceErrorInit } from './errors.ts';
export { isExpiredTokenError, TIKTOK_EXPIRED_TOKEN_CODE } from './expired-token.ts';
export type { FetchLike } from './http.ts';
