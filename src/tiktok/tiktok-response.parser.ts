import type { AuthorizedShop, TokenGrant } from './tiktok.types';

/** A response that does not have the documented shape. Becomes a transient `invalid_response` failure. */
export class InvalidResponseError extends Error {}

// Beyond this the value cannot be Unix seconds (milliseconds, or garbage): ~200 years from now.
const MAX_FUTURE_SECONDS = 200 * 365 * 24 * 3600;

/**
 * TikTok's `*_expire_in` fields are ABSOLUTE Unix times in seconds, not durations, despite their names.
 * A missing, non-numeric, duration-like (hence in the past) or implausible value is an error, never "fresh".
 */
export function parseAbsoluteExpiry(value: unknown, field: string, nowSeconds: number): Date {
  const seconds = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds)) {
    throw new InvalidResponseError(`${field} is missing or not an integer number of seconds`);
  }
  if (seconds <= nowSeconds) throw new InvalidResponseError(`${field} is not in the future (a duration, or already expired)`);
  if (seconds > nowSeconds + MAX_FUTURE_SECONDS) throw new InvalidResponseError(`${field} is not a Unix time in seconds`);
  return new Date(seconds * 1000);
}

function requiredString(data: Record<string, unknown>, field: string, maxLength = 4096): string {
  const value = data[field];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidResponseError(`${field} is missing`);
  if (value.length > maxLength) throw new InvalidResponseError(`${field} is longer than ${maxLength} characters`);
  return value;
}

function optionalString(data: Record<string, unknown>, field: string, maxLength = 1000): string | null {
  const value = data[field];
  if (typeof value !== 'string' || value === '') return null;
  if (value.length > maxLength) throw new InvalidResponseError(`${field} is longer than ${maxLength} characters`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseTokenGrant(data: unknown, nowSeconds: number): TokenGrant {
  if (!isRecord(data)) throw new InvalidResponseError('data is missing');
  // `granted_permissions` is the field's older name.
  const scopes = data.granted_scopes ?? data.granted_permissions ?? [];
  const userType = data.user_type;
  return {
    accessToken: requiredString(data, 'access_token'),
    accessTokenExpiresAt: parseAbsoluteExpiry(data.access_token_expire_in, 'access_token_expire_in', nowSeconds),
    refreshToken: requiredString(data, 'refresh_token'),
    refreshTokenExpiresAt: parseAbsoluteExpiry(data.refresh_token_expire_in, 'refresh_token_expire_in', nowSeconds),
    openId: requiredString(data, 'open_id', 255),
    sellerName: optionalString(data, 'seller_name'),
    sellerBaseRegion: optionalString(data, 'seller_base_region', 16),
    userType: typeof userType === 'number' && Number.isInteger(userType) ? userType : null,
    grantedScopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : [],
  };
}

export function parseAuthorizedShops(data: unknown): AuthorizedShop[] {
  if (!isRecord(data) || !Array.isArray(data.shops)) throw new InvalidResponseError('data.shops is missing');
  return data.shops.map((entry: unknown, index) => {
    if (!isRecord(entry)) throw new InvalidResponseError(`shops[${index}] is not an object`);
    const id = typeof entry.id === 'number' ? String(entry.id) : entry.id;
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw new InvalidResponseError(`shops[${index}].id is invalid`);
    return {
      id,
      name: optionalString(entry, 'name') ?? id,
      region: optionalString(entry, 'region', 16) ?? '',
      sellerType: optionalString(entry, 'seller_type', 32),
      cipher: requiredString(entry, 'cipher'),
      code: optionalString(entry, 'code', 64),
    };
  });
}
