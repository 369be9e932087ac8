import { Injectable } from '@nestjs/common';
import { InvalidationBus } from './invalidation-bus.service';

export interface CachedToken {
  authorizationId: string;
  shopId: string;
  shopCipher: string;
  accessToken: string;
  expiresAt: Date;
  openId: string;
  sellerName: string | null;
  region: string;
}

export interface CachedCaller {
  keyId: string | null;
  value: unknown;
}

/** Entries live at most this long even without a notification: a safety net, not the mechanism. */
const MAX_AGE_MS = 60_000;
const MAX_ENTRIES = 200_000;

interface Entry<T> {
  value: T;
  storedAt: number;
}

/**
 * In-process caches of decrypted tokens (per shop) and of resolved API keys (per digest), emptied through
 * {@link InvalidationBus} on every replica when a refresh, consent, revocation or key deletion commits. They
 * answer nothing while the bus is unhealthy.
 */
@Injectable()
export class TokenCache {
  private readonly tokens = new Map<string, Entry<CachedToken>>();
  private readonly shopsByAuthorization = new Map<string, Set<string>>();
  private readonly keys = new Map<string, Entry<CachedCaller>>();
  private generationCounter = 0;

  constructor(private readonly bus: InvalidationBus) {
    bus.subscribe((message) => {
      this.generationCounter += 1;
      switch (message.kind) {
        case 'authorization':
          this.forgetAuthorization(message.id);
          return;
        case 'api_key':
          for (const [digest, entry] of this.keys) if (entry.value.keyId === message.id) this.keys.delete(digest);
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
    return this.fresh(this.tokens, shopId);
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
    this.bound(this.tokens);
    this.tokens.set(token.shopId, { value: token, storedAt: Date.now() });
    let shops = this.shopsByAuthorization.get(token.authorizationId);
    if (!shops) this.shopsByAuthorization.set(token.authorizationId, (shops = new Set()));
    shops.add(token.shopId);
  }

  getCaller(digest: string): CachedCaller | undefined {
    return this.fresh(this.keys, digest);
  }

  setCaller(digest: string, caller: CachedCaller, generation: number): void {
    if (!this.bus.healthy || generation !== this.generationCounter) return;
    this.bound(this.keys);
    this.keys.set(digest, { value: caller, storedAt: Date.now() });
  }

  private forgetAuthorization(id: string): void {
    for (const shopId of this.shopsByAuthorization.get(id) ?? []) this.tokens.delete(shopId);
    this.shopsByAuthorization.delete(id);
  }

  private fresh<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    if (!this.bus.healthy) return undefined;
    const entry = map.get(key);
    if (!entry) return undefined;
    if (Date.now() - entry.storedAt > MAX_AGE_MS) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  private bound<T>(map: Map<string, Entry<T>>): void {
    if (map.size < MAX_ENTRIES) return;
    // Oldest first (Map keeps insertion order).
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}
