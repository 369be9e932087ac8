import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { EncryptionKey, parseEncryptionKeys } from '../../config/encryption-keys';

export const DEVELOPMENT_KEY_FILE = 'development-encryption-key';

/**
 * Outside production, when TOKEN_ENCRYPTION_KEYS is unset, a key is generated once into DATA_DIR so a
 * newcomer's tokens survive restarts. It lives next to the data it protects, which is why it is loudly
 * flagged as unfit for production.
 */
export function loadOrCreateDevelopmentKey(dataDir: string, logger = new Logger('TokenEncryption')): EncryptionKey[] {
  const file = path.join(dataDir, DEVELOPMENT_KEY_FILE);
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    const line = `dev-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}\n`;
    try {
      fs.writeFileSync(file, line, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  logger.warn(
    `TOKEN_ENCRYPTION_KEYS is not set: tokens are encrypted with a DEVELOPMENT key stored in ${file}. ` +
      'Anyone who can read that file can decrypt the stored tokens. Set TOKEN_ENCRYPTION_KEYS in production.',
  );
  return parseEncryptionKeys(fs.readFileSync(file, 'utf8'), file);
}
