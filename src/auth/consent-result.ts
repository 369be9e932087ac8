import { ErrorCode } from '../common/errors/app-error';

/** How a callback in this browser ended: what the result page shows. Never a code, state or token. */
export type ConsentResult =
  { outcome: 'connected'; authorizationId: string; reGranted: boolean } | { outcome: 'failed'; error: ErrorCode; message: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ERROR_CODES = new Set<string>(Object.values(ErrorCode));
const MAX_MESSAGE = 400;

interface Encoded {
  o: 'c' | 'f';
  a?: string;
  r?: boolean;
  e?: string;
  m?: string;
  /** Unix seconds after which the result is gone. */
  x: number;
}

/** A cookie payload (URL-safe) carrying `result` until `expiresAt` (Unix seconds). */
export function encodeResult(result: ConsentResult, expiresAt: number): string {
  const encoded: Encoded =
    result.outcome === 'connected'
      ? { o: 'c', a: result.authorizationId, r: result.reGranted, x: expiresAt }
      : { o: 'f', e: result.error, m: result.message.slice(0, MAX_MESSAGE), x: expiresAt };
  return Buffer.from(JSON.stringify(encoded), 'utf8').toString('base64url');
}

/** The result a payload carries, unless it has expired or is not one (the signature was checked before). */
export function decodeResult(payload: string, now: number): ConsentResult | undefined {
  let encoded: Partial<Encoded>;
  try {
    encoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<Encoded>;
  } catch {
    return undefined;
  }
  if (typeof encoded !== 'object' || encoded === null || typeof encoded.x !== 'number' || encoded.x <= now) return undefined;
  if (encoded.o === 'c' && typeof encoded.a === 'string' && UUID.test(encoded.a)) {
    return { outcome: 'connected', authorizationId: encoded.a, reGranted: encoded.r === true };
  }
  if (encoded.o === 'f' && typeof encoded.e === 'string' && ERROR_CODES.has(encoded.e) && typeof encoded.m === 'string') {
    return { outcome: 'failed', error: encoded.e as ErrorCode, message: encoded.m };
  }
  return undefined;
}
