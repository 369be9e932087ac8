import { ErrorCode } from '../common/errors/app-error';
import { decodeResult, encodeResult } from './consent-result';

const NOW = 1_800_000_000;
const CONNECTED = { outcome: 'connected', authorizationId: '0b6f3f9e-2c1a-4d3e-9f00-1234567890ab', reGranted: true } as const;

describe('consent result cookie payload', () => {
  it('carries a success or a failure until it expires, and nothing after', () => {
    const failed = { outcome: 'failed', error: ErrorCode.InvalidCode, message: 'TikTok refused the authorization code' } as const;
    for (const result of [CONNECTED, failed]) {
      const payload = encodeResult(result, NOW + 3600);
      expect(payload).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeResult(payload, NOW)).toEqual(result);
      expect(decodeResult(payload, NOW + 3600)).toBeUndefined();
    }
  });

  it('keeps long messages short', () => {
    const payload = encodeResult({ outcome: 'failed', error: ErrorCode.TiktokError, message: 'x'.repeat(5000) }, NOW + 60);
    expect(decodeResult(payload, NOW)).toMatchObject({ message: 'x'.repeat(400) });
  });

  it.each([
    ['not base64 JSON', 'bm90IGpzb24'],
    ['an unknown error code', Buffer.from(JSON.stringify({ o: 'f', e: 'made_up', m: 'x', x: NOW + 60 })).toString('base64url')],
    ['an authorization id that is no UUID', Buffer.from(JSON.stringify({ o: 'c', a: "1' OR 1=1", x: NOW + 60 })).toString('base64url')],
    ['no expiry', Buffer.from(JSON.stringify({ o: 'c', a: CONNECTED.authorizationId })).toString('base64url')],
    ['JSON null', Buffer.from('null').toString('base64url')],
  ])('refuses %s', (_name, payload) => {
    expect(decodeResult(payload, NOW)).toBeUndefined();
  });
});
