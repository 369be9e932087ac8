import { InvalidResponseError, parseAbsoluteExpiry, parseAuthorizedShops, parseTokenGrant, preciseNow } from './tiktok-response.parser';

// The documented example: request_id dated 2022-08-08 09:46:23 UTC, access_token_expire_in 1660556783.
const ISSUED_AT = Date.UTC(2022, 7, 8, 9, 46, 23) / 1000;

describe('parseAbsoluteExpiry', () => {
  it('reads the documented example as an absolute time exactly 7 days after issue', () => {
    const expiry = parseAbsoluteExpiry(1660556783, 'access_token_expire_in', ISSUED_AT);
    expect(expiry.toISOString()).toBe('2022-08-15T09:46:23.000Z');
    expect(expiry.getTime() / 1000 - ISSUED_AT).toBe(604800);
  });

  it('accepts numeric strings', () => {
    expect(parseAbsoluteExpiry('1660556783', 'f', ISSUED_AT).getTime()).toBe(1660556783000);
  });

  it.each([
    ['a duration', 604800],
    ['a past time', ISSUED_AT - 1],
    ['now', ISSUED_AT],
    ['missing', undefined],
    ['null', null],
    ['non-numeric', 'soon'],
    ['fractional', 1660556783.5],
    ['milliseconds', 1660556783000],
  ])('rejects %s', (_label, value) => {
    expect(() => parseAbsoluteExpiry(value, 'access_token_expire_in', ISSUED_AT)).toThrow(InvalidResponseError);
  });

  it('accepts a refresh token expiry ~100 years out', () => {
    expect(() => parseAbsoluteExpiry(ISSUED_AT + 100 * 365 * 86400, 'f', ISSUED_AT)).not.toThrow();
  });
});

describe('parseTokenGrant', () => {
  const data = {
    access_token: 'ROW_a',
    access_token_expire_in: 1660556783,
    refresh_token: 'ROW_r',
    refresh_token_expire_in: 1691487983,
    open_id: 'open-1',
    seller_name: 'Seller',
    seller_base_region: 'GB',
    user_type: 0,
    granted_scopes: ['seller.authorization.info'],
  };

  it('maps every field', () => {
    expect(parseTokenGrant(data, ISSUED_AT)).toMatchObject({
      accessToken: 'ROW_a',
      refreshToken: 'ROW_r',
      openId: 'open-1',
      sellerBaseRegion: 'GB',
      userType: 0,
      grantedScopes: ['seller.authorization.info'],
    });
  });

  it('accepts the older granted_permissions name', () => {
    const { granted_scopes: _unused, ...old } = data;
    expect(parseTokenGrant({ ...old, granted_permissions: ['x'] }, ISSUED_AT).grantedScopes).toEqual(['x']);
  });

  it.each(['access_token', 'refresh_token', 'open_id', 'access_token_expire_in', 'refresh_token_expire_in'])(
    'rejects a response without %s',
    (field) => {
      const copy: Record<string, unknown> = { ...data };
      delete copy[field];
      expect(() => parseTokenGrant(copy, ISSUED_AT)).toThrow(InvalidResponseError);
    },
  );
});

describe('parseAuthorizedShops', () => {
  it('maps shops and rejects malformed entries', () => {
    const shops = parseAuthorizedShops({
      shops: [{ id: '7000', name: 'Shop', region: 'GB', seller_type: 'LOCAL', cipher: 'GCP_x', code: 'CODE' }],
    });
    expect(shops).toEqual([{ id: '7000', name: 'Shop', region: 'GB', sellerType: 'LOCAL', cipher: 'GCP_x', code: 'CODE' }]);
    expect(() => parseAuthorizedShops({ shops: [{ id: '1' }] })).toThrow(InvalidResponseError);
    expect(() => parseAuthorizedShops({ shops: [{ id: '../etc', cipher: 'c' }] })).toThrow(InvalidResponseError);
    expect(() => parseAuthorizedShops({})).toThrow(InvalidResponseError);
    const shop = { id: '7000', cipher: 'c' };
    expect(() => parseAuthorizedShops({ shops: [shop, shop] })).toThrow(/listed twice/);
    expect(() => parseAuthorizedShops({ shops: [{ ...shop, name: 'bad\u0000name' }] })).toThrow(/control characters/);
    expect(() => parseAuthorizedShops({ shops: [{ id: 7494049642642441000, cipher: 'c' }] })).toThrow(/id is invalid/);
    expect(parseAuthorizedShops({ shops: [{ id: 123, cipher: 'c' }] })[0].id).toBe('123');
  });
});

describe('preciseNow', () => {
  it('has microseconds and never goes backwards', () => {
    const samples = Array.from({ length: 1000 }, () => preciseNow());
    expect(samples[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect([...samples].sort()).toEqual(samples);
    expect(Math.abs(Date.parse(samples[0]) - Date.now())).toBeLessThan(1000);
  });
});
