import { parseConfig, parseFault, parseSeller } from './sandbox-control.parsers';
import { SandboxInputError } from './sandbox.types';

describe('control API parsers', () => {
  it('fills in cipher and code for a new seller shop', () => {
    const seller = parseSeller({
      open_id: 'sbx-open-id-001',
      seller_name: 'Demo Seller ID',
      seller_base_region: 'ID',
      shops: [{ id: '7000000000000301', name: 'Demo Shop ID', region: 'ID', seller_type: 'LOCAL' }],
    });
    expect(seller.shops[0].cipher).toMatch(/^SBXCIPHER_/);
    expect(seller.shops[0].code).toBe('IDSBX000301');
  });

  it.each([
    [{ open_id: 'x', seller_name: 'y', seller_base_region: 'gb', shops: [] }],
    [{ open_id: 'x', seller_name: 'y', seller_base_region: 'GB', shops: [{ id: '1', name: 'n', region: 'GB', seller_type: 'OTHER' }] }],
    [{ openId: 'x' }],
    [null],
  ])('refuses a malformed seller %#', (body) => {
    expect(() => parseSeller(body)).toThrow(SandboxInputError);
  });

  it('defaults a fault to unlimited count and a 30 s hold', () => {
    expect(parseFault({ endpoint: '*', type: 'timeout' })).toMatchObject({ remaining: null, delayMs: 30000, processFirst: false });
  });

  it.each([
    [{ endpoint: 'shops', type: 'missing_expiry' }],
    [{ endpoint: 'token_get', type: 'error_code' }],
    [{ endpoint: 'token_get', type: 'error_code', code: 0 }],
    [{ endpoint: 'token_get', type: 'http_500', count: 0 }],
    [{ endpoint: 'everything', type: 'http_500' }],
  ])('refuses a malformed fault %#', (body) => {
    expect(() => parseFault(body)).toThrow(SandboxInputError);
  });

  it('accepts partial config and refuses unknown keys', () => {
    expect(parseConfig({ latency_ms: 5 })).toEqual({ latency_ms: 5 });
    expect(() => parseConfig({ latencyMs: 5 })).toThrow(/not a known field/);
    expect(() => parseConfig({ access_token_ttl_seconds: 0 })).toThrow(SandboxInputError);
  });
});
