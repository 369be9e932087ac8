/** TikTok's envelope code for "access token expired": the cue to get a new token from the service. */
export const TIKTOK_EXPIRED_TOKEN_CODE = 105002;

/**
 * Whether an error thrown by a TikTok call says the access token expired (105002). Recognised, on the error
 * itself, on its `cause` chain and on an axios-style `response.data`:
 * - anything with `code` 105002 or "105002", such as an Error your TikTok wrapper throws, or TikTok's
 *   response envelope itself (`{ code: 105002, message, request_id, data }`) thrown as is;
 * - `response.data.code` 105002, as axios reports an answer.
 * Pass `isExpiredTokenError` to the TokenClient constructor to recognise something else.
 */
export function isExpiredTokenError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && isObject(current); depth += 1) {
    if (hasExpiredCode(current)) return true;
    const response = current.response;
    if (isObject(response) && isObject(response.data) && hasExpiredCode(response.data)) return true;
    current = current.cause;
  }
  return false;
}

function hasExpiredCode(value: Record<string, unknown>): boolean {
  return value.code === TIKTOK_EXPIRED_TOKEN_CODE || value.code === String(TIKTOK_EXPIRED_TOKEN_CODE);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object';
}
