import { AppError, ErrorCode } from '../common/errors/app-error';
import { shopNotFound } from '../shops/shop-apps';
import type { RefreshOutcome } from './refresh.types';

/** The refusals of the app itself (TikTok refuses its key or secret; the app's refreshes are paused meanwhile). */
const APP_REFUSED = new Set(['app_credentials_rejected', 'app_backoff']);

export class TiktokUnavailableError extends AppError {
  /** `reason`: why the refresh failed, if known (an app TikTok refuses is said so, not "cannot be reached"). */
  constructor(
    readonly retryAfterSeconds: number,
    reason?: string,
  ) {
    super(
      ErrorCode.TiktokUnavailable,
      reason !== undefined && APP_REFUSED.has(reason)
        ? `TikTok refuses this app's credentials (its key or secret), so the token cannot be renewed until the operator fixes them; retry in ${retryAfterSeconds} s`
        : `TikTok cannot be reached to renew this token; retry in ${retryAfterSeconds} s`,
      { retry_after_seconds: retryAfterSeconds },
    );
  }
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
      return new TiktokUnavailableError(outcome.retryAfterSeconds, outcome.reason);
    case 'not_found':
      return shopNotFound(shopId);
  }
}
