import type { AppConfig } from '../config/app-config';
import type { Invalidation, InvalidationBus } from '../database/invalidation-bus.service';
import { TiktokApp, TiktokApps } from '../config/tiktok-apps';
import { CachedToken, TokenCache } from './token-cache.service';

const APPS = new TiktokApps([
  new TiktokApp('global', 'global-key', 'global-secret', 'global-service', 'https://consent.example'),
  new TiktokApp('us', 'us-key', 'us-secret', 'us-service', 'https://consent.example'),
]);

function setup(maxEntries: number, apps?: TiktokApps): { cache: TokenCache; notify: (message: Invalidation) => void } {
  let listener: (message: Invalidation) => void = () => undefined;
  const bus = { healthy: true, subscribe: (l: (message: Invalidation) => void) => (listener = l) } as unknown as InvalidationBus;
  const config = { tokens: { cacheMaxEntries: maxEntries } } as AppConfig;
  return { cache: new TokenCache(bus, config, apps), notify: (message) => listener(message) };
}

function token(shopId: string, authorizationId = `auth-${shopId}`, appKey = 'app-key'): CachedToken {
  return {
    authorizationId,
    shopId,
    appKey,
    expiresAtMs: Date.now() + 3_600_000,
    body: JSON.stringify({ shop_id: shopId, access_token: `at-${shopId}` }),
  };
}

describe('TokenCache bounds', () => {
  let now: number;
  beforeEach(() => {
    now = 1_800_000_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  it('holds at most maxEntries tokens, dropping the least recently stored', () => {
    const { cache } = setup(3);
    for (const shop of ['a', 'b', 'c']) cache.setToken(token(shop), cache.generation);
    cache.setToken(token('a'), cache.generation); // stored again: now the newest
    cache.setToken(token('d'), cache.generation);
    expect(['a', 'b', 'c', 'd'].map((shop) => cache.getToken(shop, 'app-key') !== undefined)).toEqual([true, false, true, true]);
  });

  it('drops entries older than a minute as new ones come in, not only when they are read', () => {
    const { cache, notify } = setup(100);
    cache.setToken(token('old', 'auth-1'), cache.generation);
    now += 61_000;
    cache.setToken(token('new', 'auth-1'), cache.generation);
    expect(cache.getToken('old', 'app-key')).toBeUndefined();
    expect(cache.getToken('new', 'app-key')).toBeDefined();
    // The authorization's index lost the expired shop too: invalidating it still empties what is left.
    notify({ kind: 'authorization', id: 'auth-1' });
    expect(cache.getToken('new', 'app-key')).toBeUndefined();
  });

  it('forgets every shop of an authorization, and only those, when it is invalidated', () => {
    const { cache, notify } = setup(100);
    for (const shop of ['s1', 's2', 's3']) cache.setToken(token(shop, 'auth-1'), cache.generation);
    cache.setToken(token('other', 'auth-2'), cache.generation);
    // s2 moved to another authorization (a take-over by a new consent): it belongs to auth-2 now.
    cache.setToken(token('s2', 'auth-2'), cache.generation);
    notify({ kind: 'authorization', id: 'auth-1' });
    expect(['s1', 's2', 's3', 'other'].map((shop) => cache.getToken(shop, 'app-key') !== undefined)).toEqual([false, true, false, true]);
    notify({ kind: 'authorization', id: 'auth-2' });
    expect(['s2', 'other'].map((shop) => cache.getToken(shop, 'app-key'))).toEqual([undefined, undefined]);
  });

  it.each([
    ['without the apps', undefined],
    ['with the default app stored by shop id', APPS],
  ])("keeps one shop id's tokens of two apps apart, each forgotten with its own authorization (%s)", (_label, apps) => {
    const { cache, notify } = setup(100, apps);
    cache.setToken(token('s1', 'auth-global', 'global-key'), cache.generation);
    cache.setToken({ ...token('s1', 'auth-us', 'us-key'), body: '{"access_token":"us"}' }, cache.generation);
    expect([cache.getToken('s1', 'global-key')?.authorizationId, cache.getToken('s1', 'us-key')?.body]).toEqual([
      'auth-global',
      '{"access_token":"us"}',
    ]);
    expect(cache.getToken('s1', 'other-key')).toBeUndefined();
    notify({ kind: 'authorization', id: 'auth-us' });
    expect([cache.getToken('s1', 'global-key') !== undefined, cache.getToken('s1', 'us-key')]).toEqual([true, undefined]);
  });

  it('bounds the API key cache the same way', () => {
    const { cache, notify } = setup(2);
    for (const digest of ['k1', 'k2', 'k3']) cache.setCaller(digest, { keyId: digest, value: {} }, cache.generation);
    expect(['k1', 'k2', 'k3'].map((digest) => cache.getCaller(digest) !== undefined)).toEqual([false, true, true]);
    notify({ kind: 'api_key', id: 'k2' });
    expect(cache.getCaller('k2')).toBeUndefined();
    expect(cache.getCaller('k3')).toBeDefined();
  });
});
