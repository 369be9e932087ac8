import { AppError, ErrorCode } from '../common/errors/app-error';
import { assertShopAccess, Caller, mayAccessShop, requestedShop, visibleShopIds } from './caller';
import type { ShopOwner } from './shop-owners';

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

describe('mayAccessShop for a tenant-scoped key', () => {
  const tenantKey: Caller = { kind: 'service', keyId: 'k', name: 'n', shopIds: null, tenantIds: ['t1', 't2'], permissions: ['tokens'] };
  const owner = (tenantId: string | null, appKey = 'app-key-1'): ShopOwner[] => [
    { appKey, authorizationId: `auth-${appKey}`, tenantId, granted: true },
  ];

  it.each<[string, ShopOwner[] | undefined, boolean]>([
    ["a shop of one of the key's tenants", owner('t2'), true],
    ['a shop of another tenant', owner('t3'), false],
    ['a tenant id that only differs in case', owner('T1'), false],
    ['a shop of no tenant', owner(null), false],
    ['a shop that does not exist', [], false],
    ['a shop whose owner is not known (not looked up)', undefined, false],
    ["a shop id in two apps, one of them the key's tenant's", [...owner('t3'), ...owner('t1', 'app-key-2')], true],
  ])('%s', (_label, shopOwners, expected) => {
    expect(mayAccessShop(tenantKey, 'shop-1', shopOwners)).toBe(expected);
  });

  it("counts only the named app's row when the request names one", () => {
    const owners = [...owner('t3'), ...owner('t1', 'app-key-2')];
    expect(mayAccessShop(tenantKey, 'shop-1', owners, 'app-key-2')).toBe(true);
    expect(mayAccessShop(tenantKey, 'shop-1', owners, 'app-key-1')).toBe(false);
    expect(mayAccessShop(tenantKey, 'shop-1', owners, 'app-key-3')).toBe(false);
    // A key without tenants sees the shop id in every app, named or not: the owners do not matter.
    const plain: Caller = { ...tenantKey, tenantIds: null };
    expect(mayAccessShop(plain, 'shop-1', owners, 'app-key-3')).toBe(true);
    expect(mayAccessShop({ ...plain, shopIds: ['shop-1'] }, 'shop-1', undefined, 'app-key-1')).toBe(true);
  });

  it('ignores the owner for the admin key and a key without tenants', () => {
    const plain: Caller = { kind: 'service', keyId: 'k', name: 'n', shopIds: null, tenantIds: null, permissions: ['tokens'] };
    expect(mayAccessShop({ kind: 'admin' }, 'shop-1', [])).toBe(true);
    expect(mayAccessShop(plain, 'shop-1', owner('t3'))).toBe(true);
    expect(mayAccessShop(plain, 'shop-1')).toBe(true);
  });

  it('with an empty tenant list sees no shop at all', () => {
    expect(mayAccessShop({ ...tenantKey, tenantIds: [] }, 'shop-1', owner('t1'))).toBe(false);
  });

  it('needs both when a key somehow has shop_ids and tenant_ids (creation refuses it; fail closed all the same)', () => {
    const both: Caller = { ...tenantKey, shopIds: ['shop-1'] };
    expect(mayAccessShop(both, 'shop-1', owner('t1'))).toBe(true);
    expect(mayAccessShop(both, 'shop-2', owner('t1'))).toBe(false);
    expect(mayAccessShop(both, 'shop-1', owner('t3'))).toBe(false);
  });
});

describe('requestedShop: which app a request for a shop id means', () => {
  const plain: Caller = { kind: 'service', keyId: 'k', name: 'n', shopIds: null, tenantIds: null, permissions: ['tokens'] };
  const acme: Caller = { ...plain, tenantIds: ['acme'] };
  const us: ShopOwner = { appKey: 'us-key', authorizationId: 'auth-us', tenantId: 'acme', granted: true };
  const global: ShopOwner = { appKey: 'global-key', authorizationId: 'auth-global', tenantId: 'globex', granted: true };

  it('is the only row when one app holds the shop id, named or not', () => {
    expect(requestedShop(plain, [us])).toEqual({ kind: 'one', owner: us });
    expect(requestedShop(plain, [us], 'us-key')).toEqual({ kind: 'one', owner: us });
    expect(requestedShop(plain, [us], 'global-key')).toEqual({ kind: 'none' });
    expect(requestedShop(plain, [])).toEqual({ kind: 'none' });
  });

  it('needs the app when several hold it, and then picks that one', () => {
    expect(requestedShop(plain, [global, us])).toEqual({ kind: 'several', owners: [global, us] });
    expect(requestedShop({ kind: 'admin' }, [global, us])).toEqual({ kind: 'several', owners: [global, us] });
    expect(requestedShop(plain, [global, us], 'global-key')).toEqual({ kind: 'one', owner: global });
  });

  it("counts for a tenant-scoped key only its tenants' rows: another tenant's shop is never mentioned", () => {
    expect(requestedShop(acme, [global, us])).toEqual({ kind: 'one', owner: us });
    expect(requestedShop(acme, [global, us], 'global-key')).toEqual({ kind: 'none' });
    expect(requestedShop({ ...acme, tenantIds: ['acme', 'globex'] }, [global, us])).toEqual({ kind: 'several', owners: [global, us] });
  });
});
