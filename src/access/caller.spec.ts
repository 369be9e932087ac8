import { AppError, ErrorCode } from '../common/errors/app-error';
import { assertShopAccess, Caller, visibleShopIds } from './caller';

function codeOf(work: () => void): ErrorCode | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return undefined;
}

describe('assertShopAccess', () => {
  const admin: Caller = { kind: 'admin' };
  const everyShop: Caller = { kind: 'service', keyId: 'k1', name: 'all', shopIds: null, tenantIds: null, permissions: ['tokens'] };
  const limited: Caller = {
    kind: 'service',
    keyId: 'k2',
    name: 'a-only',
    shopIds: ['shop-a', 'shop-c'],
    tenantIds: null,
    permissions: ['tokens'],
  };
  const none: Caller = { kind: 'service', keyId: 'k3', name: 'none', shopIds: [], tenantIds: null, permissions: ['tokens'] };

  it.each<[string, Caller, string, ErrorCode | undefined]>([
    ['admin, any shop', admin, 'shop-b', undefined],
    ['a key without a list, any shop', everyShop, 'shop-b', undefined],
    ['a limited key, a listed shop', limited, 'shop-a', undefined],
    ['a limited key, another listed shop', limited, 'shop-c', undefined],
    ['a limited key, an unlisted shop', limited, 'shop-b', ErrorCode.Forbidden],
    ['a limited key, a prefix of a listed shop', limited, 'shop-', ErrorCode.Forbidden],
    ['a limited key, a listed shop in another case', limited, 'SHOP-A', ErrorCode.Forbidden],
    ['a limited key, an empty id', limited, '', ErrorCode.Forbidden],
    ['an empty list: no shop at all', none, 'shop-a', ErrorCode.Forbidden],
  ])('%s', (_label, caller, shopId, expected) => {
    expect(codeOf(() => assertShopAccess(caller, shopId))).toBe(expected);
  });
});

describe('visibleShopIds', () => {
  it('is null (every shop) for the admin and for a key without a list, else the list', () => {
    expect(visibleShopIds({ kind: 'admin' })).toBeNull();
    expect(visibleShopIds({ kind: 'service', keyId: 'k', name: 'n', shopIds: null, tenantIds: null, permissions: ['tokens'] })).toBeNull();
    expect(visibleShopIds({ kind: 'service', keyId: 'k', name: 'n', shopIds: ['a'], tenantIds: null, permissions: ['tokens'] })).toEqual([
      'a',
    ]);
    // An empty list stays empty: it must not widen to every shop.
    expect(visibleShopIds({ kind: 'service', keyId: 'k', name: 'n', shopIds: [], tenantIds: null, permissions: ['tokens'] })).toEqual([]);
  });
});
