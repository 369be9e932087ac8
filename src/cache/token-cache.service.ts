import { Injectable, Optional } from '@nestjs/common';
import { AppConfig, DEFAULT_CACHE_MAX_ENTRIES } from '../config/app-config';
import { TiktokApps } from '../config/tiktok-apps';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { ExpiringMap, ShopEntryMap } from './expiring-map';

/**
 * One shop's token, in one app, as the token API answers it: the JSON body serialized once, so that a cache hit
 * builds no object, date string or JSON of its own (less garbage per request, so fewer and shorter collections).
 */
export interface CachedToken {
  authorizationId: string;
  shopId: string;
  /** The app whose shop it is: the same shop id may be granted to several apps, each with its own token. */
  appKey: string;
  /** When the access token expires, in epoch milliseconds: min_ttl is checked against it. */
  expiresAtMs: number;
  /** The token API's answer (ShopTokenResponse), as JSON. */
  body: string;
}

export interface CachedCaller {
  keyId: string | null;
  value: unknown;
}

/**
 * In-process caches of decrypted tokens (per shop and app) and of resolved API keys (per digest), emptied through
 * {@link InvalidationBus} on every replica when a refresh, consent, revocation or key deletion commits. They
 * answer nothing while the bus is unhealthy. Each holds at most TOKEN_CACHE_MAX_ENTRIES entries, and only
 * those stored in the last minute (about 0.7 KB of heap per token, and V8 lets the heap grow to a few times
 * what is live, so the cap is what keeps the resident memory bounded with a large seller base).
 */
@Injectable()
export class TokenCache {
  private readonly tokens: ShopEntryMap<CachedToken>;
  private readonly keys: ExpiringMap<CachedCaller>;
  private generationCounter = 0;
  /** The default app's key: its tokens are stored by shop id alone (see tokenKey). */
  private readonly defaultAppKey: string | undefined;

  constructor(
    private readonly bus: InvalidationBus,
    @Optional() config?: AppConfig,
    @Optional() apps?: TiktokApps,
  ) {
    this.defaultAppKey = apps?.default.appKey;
    const maxEntries = config?.tokens.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
    this.tokens = new ShopEntryMap<CachedToken>(maxEntries, (token) => token.authorizationId);
    this.keys = new ExpiringMap<CachedCaller>(maxEntries);
    bus.subscribe((message) => {
      this.generationCounter += 1;
      switch (message.kind) {
        case 'authorization':
          this.tokens.forgetAuthorization(message.id);
          return;
        case 'api_key':
          this.keys.deleteWhere((caller) => caller.keyId === message.id);
          return;
        case 'all':
          this.tokens.clear();
          this.keys.clear();
          return;
      }
    });
  }

  /** The token of the shop `shopId` in the app `appKey`. */
  getToken(shopId: string, appKey: string): CachedToken | undefined {
    return this.bus.healthy ? this.tokens.get(this.tokenKey(shopId, appKey), Date.now()) : undefined;
  }

  /**
   * Take this before reading what will be cached, and hand it to the setter: a value read before an
   * invalidation that arrived in the meantime is not stored (it may predate a revocation).
   */
  get generation(): number {
    return this.generationCounter;
  }

  setToken(token: CachedToken, generation: number): void {
    if (!this.bus.healthy || generation !== this.generationCounter) return;
    this.tokens.set(this.tokenKey(token.shopId, token.appKey), token, Date.now());
  }

  /**
   * One key per (shop id, app key): the default app's tokens (every token, with one app) by shop id alone, as
   * before there were several apps (no string to build and hash on each hit); the other apps' as
   * `shop id/app key`. Shop ids have no `/`, so the two never meet.
   */
  private tokenKey(shopId: string, appKey: string): string {
    return appKey === this.defaultAppKey ? shopId : `${shopId}/${appKey}`;
  }

  getCaller(digest: string): CachedCaller | undefined {
    return this.bus.healthy ? this.keys.get(digest, Date.now()) : undefined;
  }

  setCaller(digest: string, caller: CachedCaller, generation: number): void {
    if (!this.bus.healthy || generation !== this.generationCounter) return;
    this.keys.set(digest, caller, Date.now());
  }
}
