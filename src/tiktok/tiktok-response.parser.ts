import type { AuthorizedShop, TokenGrant } from './tiktok.types';
import { isShopId } from '../common/ids';
import { CONTROL_CHARACTER } from '../common/text-rules';

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

/** PostgreSQL text cannot hold NUL, and no legitimate TikTok value carries control characters. */
function isPrintable(value: string): boolean {
  return !CONTROL_CHARACTER.test(value);
}

function checked(value: string, field: string, maxLength: number): string {
  if (value.length > maxLength) throw new InvalidResponseError(`${field} is longer than ${maxLength} characters`);
  if (!isPrintable(value)) throw new InvalidResponseError(`${field} contains control characters`);
  return value;
}

function requiredString(data: Record<string, unknown>, field: string, maxLength = 4096): string {
  const value = data[field];
  if (typeof value !== 'string' || value.trim() === '') throw new InvalidResponseError(`${field} is missing`);
  return checked(value, field, maxLength);
}

function optionalString(data: Record<string, unknown>, field: string, maxLength = 1000): string | null {
  const value = data[field];
  if (typeof value !== 'string' || value === '') return null;
  return checked(value, field, maxLength);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Wall-clock time with microseconds, monotonic within this process. */
export function preciseNow(): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const seconds = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  return `${seconds}.${String(micros % 1000000).padStart(6, '0')}Z`;
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
    grantedScopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string' && isPrintable(s)) : [],
    receivedAt: preciseNow(),
  };
}

export function parseAuthorizedShops(data: unknown): AuthorizedShop[] {
  if (!isRecord(data) || !Array.isArray(data.shops)) throw new InvalidResponseError('data.shops is missing');
  const seen = new Set<string>();
  return data.shops.map((entry: unknown, index) => {
    if (!isRecord(entry)) throw new InvalidResponseError(`shops[${index}] is not an object`);
    // Shop ids are 19-digit numbers: as a JSON number beyond 2^53 the value is already corrupted.
    const id = typeof entry.id === 'number' && Number.isSafeInteger(entry.id) ? String(entry.id) : entry.id;
    if (typeof id !== 'string' || !isShopId(id)) throw new InvalidResponseError(`shops[${index}].id is invalid`);
    if (seen.has(id)) throw new InvalidResponseError(`shop ${id} is listed twice`);
    seen.add(id);
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
