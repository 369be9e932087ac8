import { Logger } from '@nestjs/common';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { digestApiKey, digestsEqual, generateApiKey, loadOrCreateDevelopmentSecret, looksLikeApiKey } from './api-key-secrets';

describe('generateApiKey', () => {
  it('is tts_ followed by 256 random bits in base64url (43 characters)', () => {
    const key = generateApiKey();
    expect(key).toMatch(/^tts_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(4), 'base64url')).toHaveLength(32);
  });

  it('never repeats and always passes looksLikeApiKey', () => {
    const keys = Array.from({ length: 500 }, () => generateApiKey());
    expect(new Set(keys).size).toBe(500);
    expect(keys.every(looksLikeApiKey)).toBe(true);
    // 12-character prefixes (what listings show) are distinct too in practice: 48 random bits.
    expect(new Set(keys.map((k) => k.slice(0, 12))).size).toBe(500);
  });
});

describe('looksLikeApiKey', () => {
  it.each([
    ['a'.repeat(32), true],
    ['a'.repeat(256), true],
    ['!~'.repeat(20), true],
    ['a'.repeat(31), false],
    ['a'.repeat(257), false],
    ['a'.repeat(10 * 1024), false],
    ['', false],
    [`${'a'.repeat(20)} ${'a'.repeat(20)}`, false],
    [`${'a'.repeat(40)}\t`, false],
    [`${'a'.repeat(40)}\n`, false],
    [`${'a'.repeat(40)}\u0000`, false],
    [`${'a'.repeat(40)}é`, false],
    [`${'a'.repeat(40)}\u007f`, false],
  ])('%j -> %s', (value, expected) => {
    expect(looksLikeApiKey(value)).toBe(expected);
  });
});

describe('digestApiKey', () => {
  it('is HMAC-SHA256 in lower-case hex (RFC 4231 test case 2)', () => {
    expect(digestApiKey('what do ya want for nothing?', 'Jefe')).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('depends on the secret and the key, and matches node:crypto', () => {
    const key = generateApiKey();
    const secret = 's'.repeat(40);
    expect(digestApiKey(key, secret)).toBe(createHmac('sha256', secret).update(key, 'utf8').digest('hex'));
    expect(digestApiKey(key, secret)).not.toBe(digestApiKey(key, `${secret}x`));
    expect(digestApiKey(key, secret)).not.toBe(digestApiKey(`${key}x`, secret));
    expect(digestApiKey(key, secret)).not.toContain(key.slice(4, 16));
  });
});

describe('digestsEqual over digestApiKey (how the admin key is compared)', () => {
  const secret = 'h'.repeat(40);
  const secretsEqual = (a: string, b: string, key: string) => digestsEqual(digestApiKey(a, key), digestApiKey(b, key));

  it('is true only for identical strings', () => {
    const a = generateApiKey();
    expect(secretsEqual(a, a, secret)).toBe(true);
    expect(secretsEqual(a, `${a}`, secret)).toBe(true);
    expect(secretsEqual(a, generateApiKey(), secret)).toBe(false);
    expect(secretsEqual(a, a.toUpperCase(), secret)).toBe(false);
    expect(secretsEqual(a, a.slice(0, -1), secret)).toBe(false);
  });

  it('compares strings of different lengths without throwing (timingSafeEqual needs equal lengths)', () => {
    expect(() => secretsEqual('a', 'b'.repeat(10_000), secret)).not.toThrow();
    expect(secretsEqual('a', 'b'.repeat(10_000), secret)).toBe(false);
    expect(secretsEqual('', '', secret)).toBe(true);
  });
});

describe('loadOrCreateDevelopmentSecret', () => {
  let dir: string;
  const quiet = (): Logger & { messages: string[] } => {
    const messages: string[] = [];
    const logger = new Logger('test');
    logger.warn = (message: unknown): void => {
      messages.push(String(message));
    };
    return Object.assign(logger, { messages });
  };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-secret-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('generates a 256-bit secret into a 0600 file once, then reuses it, never logging its value', () => {
    const nested = path.join(dir, 'deeper', 'data');
    const logger = quiet();
    const first = loadOrCreateDevelopmentSecret(nested, 'admin-key', 'ADMIN_API_KEY', logger);
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(looksLikeApiKey(first)).toBe(true);
    const file = path.join(nested, 'admin-key');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadOrCreateDevelopmentSecret(nested, 'admin-key', 'ADMIN_API_KEY', logger)).toBe(first);
    expect(logger.messages).toHaveLength(2);
    for (const message of logger.messages) {
      expect(message).toContain('ADMIN_API_KEY');
      expect(message).toContain(file);
      expect(message).not.toContain(first);
    }
  });

  it('keeps separate files for separate secrets', () => {
    const a = loadOrCreateDevelopmentSecret(dir, 'a', 'A', quiet());
    const b = loadOrCreateDevelopmentSecret(dir, 'b', 'B', quiet());
    expect(a).not.toBe(b);
  });

  it('reads a value an operator wrote, trimming the newline', () => {
    fs.writeFileSync(path.join(dir, 'given'), '  operator-chosen-secret-value-0123456789\n');
    expect(loadOrCreateDevelopmentSecret(dir, 'given', 'X', quiet())).toBe('operator-chosen-secret-value-0123456789');
  });
});
