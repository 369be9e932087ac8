import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DEVELOPMENT_KEY_FILE, loadOrCreateDevelopmentKey } from './development-key';
import { DecryptionError, TokenCipher } from './token-cipher';

const key = (id: string) => ({ id, key: randomBytes(32) });

describe('TokenCipher', () => {
  const k1 = key('k1');
  const cipher = new TokenCipher([k1]);

  it('round-trips and never contains the plaintext', () => {
    const envelope = cipher.encrypt('ROW_secret-token', 'seller_authorizations:1:access_token');
    expect(envelope).toMatch(/^v1:k1:/);
    expect(envelope).not.toContain('secret-token');
    expect(cipher.decrypt(envelope, 'seller_authorizations:1:access_token')).toBe('ROW_secret-token');
  });

  it('uses a fresh nonce for every value', () => {
    expect(cipher.encrypt('same', 'a')).not.toBe(cipher.encrypt('same', 'a'));
  });

  it('refuses a ciphertext bound to another row or column', () => {
    const envelope = cipher.encrypt('token', 'seller_authorizations:1:access_token');
    expect(() => cipher.decrypt(envelope, 'seller_authorizations:2:access_token')).toThrow(DecryptionError);
    expect(() => cipher.decrypt(envelope, 'seller_authorizations:1:refresh_token')).toThrow(DecryptionError);
  });

  it('detects tampering and unknown keys', () => {
    const envelope = cipher.encrypt('token', 'x');
    const parts = envelope.split(':');
    const body = Buffer.from(parts[3], 'base64');
    body[0] ^= 1;
    expect(() => cipher.decrypt([...parts.slice(0, 3), body.toString('base64')].join(':'), 'x')).toThrow(DecryptionError);
    expect(() => new TokenCipher([key('other')]).decrypt(envelope, 'x')).toThrow(/no key configured with id "k1"/);
    expect(() => cipher.decrypt('garbage', 'x')).toThrow(DecryptionError);
  });

  it('encrypts with the first key and still decrypts with the others', () => {
    const old = cipher.encrypt('token', 'x');
    const rotated = new TokenCipher([key('k2'), k1]);
    expect(rotated.decrypt(old, 'x')).toBe('token');
    expect(TokenCipher.keyIdOf(rotated.encrypt('token', 'x'))).toBe('k2');
  });
});

describe('loadOrCreateDevelopmentKey', () => {
  it('generates one key file and reuses it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-key-'));
    const silent = { warn: jest.fn() } as never;
    const first = loadOrCreateDevelopmentKey(dir, silent);
    const second = loadOrCreateDevelopmentKey(dir, silent);
    expect(second[0].key.equals(first[0].key)).toBe(true);
    expect(fs.statSync(path.join(dir, DEVELOPMENT_KEY_FILE)).mode & 0o777).toBe(0o600);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
