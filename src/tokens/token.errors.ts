import { AppError, ErrorCode } from '../common/errors/app-error';
import type { RefreshOutcome } from './refresh.types';

export class TiktokUnavailableError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super(ErrorCode.TiktokUnavailable, `TikTok cannot be reached to renew this token; retry in ${retryAfterSeconds} s`, {
      retry_after_seconds: retryAfterSeconds,
    });
  }
}

export function shopNotFound(shopId: string): AppError {
  return new AppError(ErrorCode.ShopNotFound, `no authorized shop ${shopId}`);
}

export function reauthorizationRequired(): AppError {
  return new AppError(
    ErrorCode.ReauthorizationRequired,
    "the seller's authorization is no longer valid; only a new consent by the seller (GET /auth/tiktok) restores it",
  );
}

export function shopNoLongerGranted(): AppError {
  return new AppError(
    ErrorCode.ReauthorizationRequired,
    'the seller no longer authorizes this shop; a new consent that includes it is needed',
  );
}

/** The error a refresh that produced no token answers with, for the shop the caller asked about. */
export function refreshFailure(outcome: Exclude<RefreshOutcome, { kind: 'token' }>, shopId: string): AppError {
  switch (outcome.kind) {
    case 'reauthorization_required':
      return reauthorizationRequired();
    case 'unavailable':
      return new TiktokUnavailableError(outcome.retryAfterSeconds);
    case 'not_found':
      return shopNotFound(shopId);
  }
}
