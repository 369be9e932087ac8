import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export function newAccessToken(): string {
  return 'SBXA_' + randomBytes(32).toString('base64url');
}

export function newRefreshToken(): string {
  return 'SBXR_' + randomBytes(32).toString('base64url');
}

export function newAuthCode(): string {
  return 'SBXC_' + randomBytes(24).toString('base64url');
}

/** TikTok request ids start with the UTC time as YYYYMMDDHHmmss followed by hex. */
export function newRequestId(nowMs: number): string {
  const stamp = new Date(nowMs).toISOString().replace(/\D/g, '').slice(0, 14);
  return stamp + randomBytes(10).toString('hex').toUpperCase();
}

/** Deterministic, so seeded shops keep the same cipher across restarts and resets. */
export function defaultShopCipher(shopId: string): string {
  return 'SBXCIPHER_' + createHash('sha256').update(shopId).digest('base64url').slice(0, 24);
}

export function defaultShopCode(region: string, shopId: string): string {
  return `${region}SBX${shopId.slice(-6).toUpperCase()}`;
}

/** Hashing first makes the comparison constant time for inputs of any length. */
export function safeEqual(a: string, b: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}
