import { AppError, ErrorCode } from '../common/errors/app-error';
import { httpOrigin } from '../config/tenancy-config';

/** The longest return_url accepted (what the redirect adds comes on top). */
export const RETURN_URL_MAX_LENGTH = 2048;

/** The token of a connect link: 256 bits, base64url (randomToken). Anything else names no session. */
const CONNECT_TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function isConnectToken(value: unknown): value is string {
  return typeof value === 'string' && CONNECT_TOKEN.test(value);
}

// eslint-disable-next-line no-control-regex -- refusing control characters and spaces is the point
const NOT_URL_TEXT = /[\u0000-\u0020\u007f]/;

/**
 * The return_url to store: an absolute http(s) URL without credentials whose origin is one of `origins`
 * (CONNECT_RETURN_ORIGINS), normalised as the URL parser reads it, so the origin checked is the origin the
 * browser is sent to. A fragment is kept (a single-page app may route on it): the redirect's parameters go
 * into the query, before it. Anything else: 400 `return_url_not_allowed`.
 */
export function allowedReturnUrl(text: string, origins: readonly string[]): string {
  if (text.length > RETURN_URL_MAX_LENGTH) {
    throw new AppError(ErrorCode.ReturnUrlNotAllowed, `return_url must be at most ${RETURN_URL_MAX_LENGTH} characters`);
  }
  // The URL parser silently drops tabs and newlines and trims spaces: refused here instead of guessed.
  const origin = NOT_URL_TEXT.test(text) ? null : httpOrigin(text);
  if (origin === null) {
    throw new AppError(
      ErrorCode.ReturnUrlNotAllowed,
      'return_url must be an absolute http(s) URL, without spaces, control characters, a user name or a password',
    );
  }
  if (!origins.includes(origin)) {
    throw new AppError(
      ErrorCode.ReturnUrlNotAllowed,
      origins.length === 0
        ? 'return_url is not allowed: CONNECT_RETURN_ORIGINS lists no origin'
        : `return_url is not allowed: its origin ${origin} is not one of CONNECT_RETURN_ORIGINS`,
    );
  }
  return new URL(text).href;
}

/** How a session's consent ended, as its return redirect reports it. */
export type ConnectOutcome =
  | { status: 'success'; openId: string; shopIds: readonly string[]; conflictingShopIds: readonly string[] }
  | { status: 'error'; error: ErrorCode };

/**
 * The return_url with the outcome added to its query (its own parameters kept; ours replace any of the same
 * name): `connect_session_id`, `status`, then `open_id` and `shop_ids` (comma-separated, and
 * `conflicting_shop_ids` when any), or `error`.
 */
export function returnLocation(returnUrl: string, connectSessionId: string, outcome: ConnectOutcome): string {
  const url = new URL(returnUrl);
  const params = url.searchParams;
  params.set('connect_session_id', connectSessionId);
  params.set('status', outcome.status);
  for (const name of ['open_id', 'shop_ids', 'conflicting_shop_ids', 'error']) params.delete(name);
  if (outcome.status === 'error') {
    params.set('error', outcome.error);
  } else {
    params.set('open_id', outcome.openId);
    params.set('shop_ids', outcome.shopIds.join(','));
    if (outcome.conflictingShopIds.length > 0) params.set('conflicting_shop_ids', outcome.conflictingShopIds.join(','));
  }
  return url.href;
}
