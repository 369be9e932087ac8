import { ConfigError } from './config.error';

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `id:base64-32-byte-key[,id:key...]`. The first key encrypts; all of them decrypt.
 * The variable name is a parameter so the same parser serves the generated development key file.
 */
export function parseEncryptionKeys(raw: string, variable = 'TOKEN_ENCRYPTION_KEYS'): EncryptionKey[] {
  const keys: EncryptionKey[] = [];
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new ConfigError(variable, 'must list at least one id:base64-key');
  entries.forEach((entry, index) => {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    const encoded = separator > 0 ? entry.slice(separator + 1) : '';
    const position = `entry ${index + 1}`;
    if (!KEY_ID.test(id)) {
      throw new ConfigError(variable, `${position} must look like id:base64-key with an id of 1-32 [A-Za-z0-9_-]`);
    }
    const key = BASE64.test(encoded) ? Buffer.from(encoded, 'base64') : Buffer.alloc(0);
    if (key.length !== 32) {
      throw new ConfigError(variable, `key "${id}" must be 32 bytes encoded in base64 (openssl rand -base64 32)`);
    }
    if (keys.some((existing) => existing.id === id)) {
      throw new ConfigError(variable, `key id "${id}" appears twice`);
    }
    keys.push({ id, key });
  });
  return keys;
}
