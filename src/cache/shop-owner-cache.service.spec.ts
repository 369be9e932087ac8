import type { AppConfig } from '../config/app-config';
import type { Invalidation, InvalidationBus } from '../database/invalidation-bus.service';
import { CachedShop, ShopOwnerCache } from './shop-owner-cache.service';

function setup(maxEntries = 100): { cache: ShopOwnerCache; bus: { healthy: boolean }; notify: (message: Invalidation) => void } {
  let listener: (message: Invalidation) => void = () => undefined;
  const bus = { healthy: true, subscribe: (l: (message: Invalidation) => void) => (listener = l) };
  const config = { tokens: { cacheMaxEntries: maxEntries } } as AppConfig;
  return { cache: new ShopOwnerCache(bus as unknown as InvalidationBus, config), bus, notify: (message) => listener(message) };
}

const owner = (shopId: string, authorizationId: string, tenantId: string | null = 'tenant-a'): CachedShop => ({
  shopId,
  owners: [{ appKey: 'app-key', authorizationId, tenantId, granted: true }],
});

describe('ShopOwnerCache', () => {
  it('forgets every shop of an authorization whose tenant or shops changed, and only those', () => {
    const { cache, notify } = setup();
    for (const shop of ['s1', 's2']) cache.set(owner(shop, 'auth-1'), cache.generation);
    cache.set(owner('s3', 'auth-2', 'tenant-b'), cache.generation);
    notify({ kind: 'authorization', id: 'auth-1' });
    expect(['s1', 's2', 's3'].map((shop) => cache.get(shop)?.[0].tenantId ?? null)).toEqual([null, null, 'tenant-b']);
  });

  it('forgets a shop taken over by another authorization on the message of either one', () => {
    for (const announced of ['auth-1', 'auth-2']) {
      const { cache, notify } = setup();
      cache.set(owner('s1', 'auth-1'), cache.generation);
      // Read again after the take-over (its consent's own message came before this read): stored under auth-2.
      cache.set(owner('s1', 'auth-2', 'tenant-b'), cache.generation);
      notify({ kind: 'authorization', id: announced });
      expect({ announced, owner: cache.get('s1')?.[0].tenantId }).toEqual({
        announced,
        owner: announced === 'auth-2' ? undefined : 'tenant-b',
      });
    }
  });

  it("forgets a shop id held by two apps on the message of either app's authorization", () => {
    for (const announced of ['auth-global', 'auth-us']) {
      const { cache, notify } = setup();
      const shop: CachedShop = {
        shopId: 's1',
        owners: [
          { appKey: 'global-key', authorizationId: 'auth-global', tenantId: 'tenant-a', granted: true },
          { appKey: 'us-key', authorizationId: 'auth-us', tenantId: 'tenant-b', granted: true },
        ],
      };
      cache.set(shop, cache.generation);
      cache.set(owner('s2', 'auth-global'), cache.generation);
      cache.set(owner('s3', 'auth-us'), cache.generation);
      expect(cache.get('s1')).toEqual(shop.owners);
      notify({ kind: 'authorization', id: announced });
      expect({ announced, s1: cache.get('s1'), s2: cache.get('s2') !== undefined, s3: cache.get('s3') !== undefined }).toEqual({
        announced,
        s1: undefined,
        s2: announced === 'auth-us',
        s3: announced === 'auth-global',
      });
      // The other authorization's message finds nothing left of s1, and leaves the rest as it is.
      notify({ kind: 'authorization', id: announced === 'auth-us' ? 'auth-global' : 'auth-us' });
      expect([cache.get('s2'), cache.get('s3')]).toEqual([undefined, undefined]);
    }
  });

  it('does not remember a shop id no app holds', () => {
    const { cache } = setup();
    cache.set({ shopId: 's1', owners: [] }, cache.generation);
    expect(cache.get('s1')).toBeUndefined();
  });

  it('empties on `all`, and ignores a key deletion', () => {
    const { cache, notify } = setup();
    cache.set(owner('s1', 'auth-1'), cache.generation);
    const generation = cache.generation;
    notify({ kind: 'api_key', id: 'k1' });
    expect(cache.generation).toBe(generation);
    expect(cache.get('s1')).toBeDefined();
    notify({ kind: 'all' });
    expect(cache.get('s1')).toBeUndefined();
  });

  it('does not store an owner read before an invalidation that arrived while it was read', () => {
    const { cache, notify } = setup();
    const generation = cache.generation;
    // The lookup reads the database here; meanwhile a transfer of some authorization commits.
    notify({ kind: 'authorization', id: 'auth-9' });
    cache.set(owner('s1', 'auth-1'), generation);
    expect(cache.get('s1')).toBeUndefined();
    cache.set(owner('s1', 'auth-1'), cache.generation);
    expect(cache.get('s1')).toBeDefined();
  });

  it('answers and stores nothing while the invalidation channel is down', () => {
    const { cache, bus } = setup();
    cache.set(owner('s1', 'auth-1'), cache.generation);
    bus.healthy = false;
    expect(cache.get('s1')).toBeUndefined();
    cache.set(owner('s2', 'auth-1'), cache.generation);
    bus.healthy = true;
    expect(cache.get('s2')).toBeUndefined();
  });

  it('holds at most maxEntries shops, each for at most a minute', () => {
    let now = 1_800_000_000_000;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      const { cache } = setup(2);
      for (const shop of ['s1', 's2', 's3']) cache.set(owner(shop, `auth-${shop}`), cache.generation);
      expect(['s1', 's2', 's3'].map((shop) => cache.get(shop) !== undefined)).toEqual([false, true, true]);
      now += 61_000;
      expect(cache.get('s3')).toBeUndefined();
    } finally {
      clock.mockRestore();
    }
  });
});
