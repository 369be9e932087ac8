import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { EncryptionKey } from '../../config/encryption-keys';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** Raised when a stored value cannot be decrypted: unknown key id, tampering, or a value moved to another row. */
export class DecryptionError extends Error {
  constructor(reason: string) {
    super(`cannot decrypt stored value: ${reason}`);
    this.name = 'DecryptionError';
  }
}

/**
 * AES-256-GCM envelope for values at rest: `v1:<key id>:<nonce b64>:<ciphertext+tag b64>`, a fresh 96-bit
 * nonce per value. The associated data names the owning row and column, so a ciphertext copied to another
 * row (or from the refresh token column to the access token column) fails authentication.
 */
export class TokenCipher {
  private readonly keys: Map<string, Buffer>;
  private readonly current: EncryptionKey;

  constructor(keys: EncryptionKey[]) {
    if (keys.length === 0) throw new Error('TokenCipher needs at least one key');
    this.current = keys[0];
    this.keys = new Map(keys.map((k) => [k.id, k.key]));
  }

  get currentKeyId(): string {
    return this.current.id;
  }

  hasKey(id: string): boolean {
    return this.keys.has(id);
  }

  encrypt(plaintext: string, associatedData: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return [VERSION, this.current.id, nonce.toString('base64'), body.toString('base64')].join(':');
  }

  decrypt(envelope: string, associatedData: string): string {
    const parts = envelope.split(':');
    if (parts.length !== 4 || parts[0] !== VERSION) throw new DecryptionError('unrecognised format');
    const [, keyId, nonceB64, bodyB64] = parts;
    const key = this.keys.get(keyId);
    if (!key) throw new DecryptionError(`no key configured with id "${keyId}"`);
    const nonce = Buffer.from(nonceB64, 'base64');
    const body = Buffer.from(bodyB64, 'base64');
    if (nonce.length !== NONCE_BYTES || body.length < TAG_BYTES) throw new DecryptionError('truncated value');
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new DecryptionError('authentication failed');
    }
  }

  /**
   * Keys for another purpose (signing browser cookies), derived from the configured keys with HKDF-SHA256 so
   * that no key serves two algorithms. The current key's comes first and signs; all of them verify, so a
   * rotation does not invalidate what was signed shortly before it.
   */
  derivedKeys(purpose: string): Buffer[] {
    const others = [...this.keys].filter(([id]) => id !== this.current.id).map(([, key]) => key);
    return [this.current.key, ...others].map((key) => Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `tts:${purpose}`, 32)));
  }

  /** Key id of a stored envelope, without decrypting it (used to find rows still on an old key). */
  static keyIdOf(envelope: string): string | undefined {
    const parts = envelope.split(':');
    return parts.length === 4 ? parts[1] : undefined;
  }
}
