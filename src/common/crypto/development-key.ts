import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { EncryptionKey, parseEncryptionKeys } from '../../config/encryption-keys';
import { readOrCreateDevelopmentFile } from './development-file';

export const DEVELOPMENT_KEY_FILE = 'development-encryption-key';

/**
 * Outside production, when TOKEN_ENCRYPTION_KEYS is unset, a key is generated once into DATA_DIR so a
 * newcomer's tokens survive restarts. It lives next to the data it protects, which is why it is loudly
 * flagged as unfit for production.
 */
export function loadOrCreateDevelopmentKey(dataDir: string, logger = new Logger('TokenEncryption')): EncryptionKey[] {
  const { file, value } = readOrCreateDevelopmentFile(
    dataDir,
    DEVELOPMENT_KEY_FILE,
    () => `dev-${randomBytes(4).toString('hex')}:${randomBytes(32).toString('base64')}`,
  );
  logger.warn(
    `TOKEN_ENCRYPTION_KEYS is not set: tokens are encrypted with a DEVELOPMENT key stored in ${file}. ` +
      'Anyone who can read that file can decrypt the stored tokens. Set TOKEN_ENCRYPTION_KEYS in production.',
  );
  return parseEncryptionKeys(value, file);
}
