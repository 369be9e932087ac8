import { Logger } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readOrCreateDevelopmentFile } from '../common/crypto/development-file';

const KEY_PREFIX = 'tts_';

/** A new service key: `tts_` + 256 random bits, URL-safe. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function looksLikeApiKey(value: string): boolean {
  return value.length >= 32 && value.length <= 256 && /^[\x21-\x7e]+$/.test(value);
}

/** Fast keyed digest: keys are 256-bit random, so a slow password hash would add nothing but latency. */
export function digestApiKey(key: string, hmacSecret: string): string {
  return createHmac('sha256', hmacSecret).update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests of equal length (secrets of any length are compared this way). */
export function digestsEqual(a: string, b: string): boolean {
  return timingSafeEqual(Buffer.from(a, 'hex'), Buffer.from(b, 'hex'));
}

/**
 * Outside production an unset secret is generated once into DATA_DIR (mode 0600). Its value is never
 * logged: only the file's path, so a developer can read the admin key from it.
 */
export function loadOrCreateDevelopmentSecret(dataDir: string, fileName: string, variable: string, logger = new Logger('ApiKeys')): string {
  const { file, value, created } = readOrCreateDevelopmentFile(dataDir, fileName, () => randomBytes(32).toString('base64url'));
  logger.warn(`${variable} is not set: ${created ? 'generated a development value into' : 'using the development value in'} ${file}`);
  return value;
}
