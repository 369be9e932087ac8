import { Injectable, Optional } from '@nestjs/common';
import { AppConfig, DEFAULT_CACHE_MAX_ENTRIES } from '../config/app-config';
import { InvalidationBus } from '../database/invalidation-bus.service';

/**
 * One shop's token as the token API answers it: the JSON body serialized once, so that a cache hit builds no
 * object, date string or JSON of its own (less garbage per request, so fewer and shorter collections).
 */
export interface CachedToken {
  authorizationId: string;
  shopId: string;
  /** When the access token expires, in epoch milliseconds: min_ttl is checked against it. */
  expiresAtMs: number;
  /** The token API's answer (ShopTokenResponse), as JSON. */
  body: string;
}

export interface CachedCaller {
  keyId: string | null;
  value: unknown;
}

/** Entries live at most this long even without a notification: a safety net, not the mechanism. */
const MAX_AGE_MS = 60_000;

/**
 * A map iterated in storage order (storing a key again moves it to the end), so its first entry is always the
 * oldest: each store drops the expired entries from the front, and the oldest ones beyond `maxEntries`.
 * Memory follows the keys used within MAX_AGE_MS instead of every key ever used, and never exceeds the cap.
 */
class ExpiringMap<T> {
  private readonly entries = new Map<string, { value: T; storedAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly onRemove: (value: T) => void = () => undefined,
  ) {}

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.storedAt > MAX_AGE_MS) {
      this.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, now: number): void {
    this.delete(key);
    this.entries.set(key, { value, storedAt: now });
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && now - entry.storedAt <= MAX_AGE_MS) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.onRemove(entry.value);
  }

  deleteWhere(predicate: (value: T) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * In-process caches of decrypted tokens (per shop) and of resolved API keys (per digest), emptied through
 * {@link InvalidationBus} on every replica when a refresh, consent, revocation or key deletion commits. They
 * answer nothing while the bus is unhealthy. Each holds at most TOKEN_CACHE_MAX_ENTRIES entries, and only
 * those stored in the last minute (about 0.7 KB of heap per token, and V8 lets the heap grow to a few times
 * what is live, so the cap is what keeps the resident memory bounded with a large seller base).
 */
@Injectable()
export class TokenCache {
  private readonly tokens: ExpiringMap<CachedToken>;
  /** Authorization id to the shops cached for it: one shop id (the usual case, no array) or several. */
  private readonly shopsByAuthorization = new Map<string, string | string[]>();
  private readonly keys: ExpiringMap<CachedCaller>;
  private generationCounter = 0;

  constructor(
    private readonly bus: InvalidationBus,
    @Optional() config?: AppConfig,
  ) {
    const maxEntries = config?.tokens.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES;
    this.tokens = new ExpiringMap<CachedToken>(maxEntries, (token) => this.unindex(token));
    this.keys = new ExpiringMap<CachedCaller>(maxEntries);
    bus.subscribe((message) => {
      this.generationCounter += 1;
      switch (message.kind) {
        case 'authorization':
          this.forgetAuthorization(message.id);
          return;
        case 'api_key':
          this.keys.deleteWhere((caller) => caller.keyId === message.id);
          return;
        case 'all':
          this.tokens.clear();
          this.shopsByAuthorization.clear();
          this.keys.clear();
          return;
      }
    });
  }

  getToken(shopId: string): CachedToken | undefined {
    return this.bus.healthy ? this.tokens.get(shopId, Date.now()) : undefined;
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
    this.tokens.set(token.shopId, token, Date.now());
    const shops = this.shopsByAuthorization.get(token.authorizationId);
    if (shops === undefined) this.shopsByAuthorization.set(token.authorizationId, token.shopId);
    else if (typeof shops === 'string') this.shopsByAuthorization.set(token.authorizationId, [shops, token.shopId]);
    else shops.push(token.shopId);
  }

  getCaller(digest: string): CachedCaller | undefined {
    return this.bus.healthy ? this.keys.get(digest, Date.now()) : undefined;
  }

  setCaller(digest: string, caller: CachedCaller, generation: number): void {
    if (!this.bus.healthy || generation !== this.generationCounter) return;
    this.keys.set(digest, caller, Date.now());
  }

  private forgetAuthorization(id: string): void {
    const shops = this.shopsByAuthorization.get(id);
    if (shops === undefined) return;
    // Removing a token unindexes it, which edits the array being walked: walk a copy.
    for (const shopId of typeof shops === 'string' ? [shops] : [...shops]) this.tokens.delete(shopId);
    this.shopsByAuthorization.delete(id);
  }

  /** Called for every token leaving the cache (replaced, expired, evicted or invalidated). */
  private unindex(token: CachedToken): void {
    const shops = this.shopsByAuthorization.get(token.authorizationId);
    if (shops === token.shopId) {
      this.shopsByAuthorization.delete(token.authorizationId);
    } else if (Array.isArray(shops)) {
      const rest = shops.filter((shopId) => shopId !== token.shopId);
      if (rest.length === 1) this.shopsByAuthorization.set(token.authorizationId, rest[0]);
      else this.shopsByAuthorization.set(token.authorizationId, rest);
    }
  }
}
