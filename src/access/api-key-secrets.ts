import { Logger } from '@nestjs/common';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

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

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function secretsEqual(a: string, b: string, hmacSecret: string): boolean {
  return timingSafeEqual(Buffer.from(digestApiKey(a, hmacSecret), 'hex'), Buffer.from(digestApiKey(b, hmacSecret), 'hex'));
}

/**
 * Outside production an unset secret is generated once into DATA_DIR (mode 0600). Its value is never
 * logged: only the file's path, so a developer can read the admin key from it.
 */
export function loadOrCreateDevelopmentSecret(dataDir: string, fileName: string, variable: string, logger = new Logger('ApiKeys')): string {
  const file = path.join(dataDir, fileName);
  fs.mkdirSync(dataDir, { recursive: true });
  try {
    fs.writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    logger.warn(`${variable} is not set: generated a development value into ${file}`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    logger.warn(`${variable} is not set: using the development value in ${file}`);
  }
  return fs.readFileSync(file, 'utf8').trim();
}
