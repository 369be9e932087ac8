import { Injectable, Optional } from '@nestjs/common';
import { AppConfig, DEFAULT_CACHE_MAX_ENTRIES } from '../config/app-config';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { ShopEntryMap } from './expiring-map';

/** Whose a shop is in one app: the app, the authorization that grants it there, and its tenant (null: none). */
export interface CachedShopOwner {
  appKey: string;
  authorizationId: string;
  tenantId: string | null;
  granted: boolean;
}

/** Every app's row of one shop id: the same shop may be granted to several apps, owned by different tenants. */
export interface CachedShop {
  shopId: string;
  owners: readonly CachedShopOwner[];
}

function authorizationsOf(shop: CachedShop): string | string[] {
  return shop.owners.length === 1 ? shop.owners[0].authorizationId : shop.owners.map((owner) => owner.authorizationId);
}

/**
 * This replica's memory of which apps hold a shop id and which tenant owns each: it lets the token fast path
 * decide a tenant-scoped key, and which app a request that names none means, without the database. A shop's
 * tenant changes only with its authorization's (a transfer) or its authorization (a consent taking it over),
 * and both announce `{ kind: 'authorization', id }` for every authorization concerned when they commit; a
 * consent that grants a shop id to one more app announces the authorizations of its other apps' rows. That
 * message, or `all`, empties on every replica each shop id with a row of that authorization. Like TokenCache it answers nothing while the bus is unhealthy, holds at most
 * TOKEN_CACHE_MAX_ENTRIES shops, each for at most a minute, and refuses a value read before an invalidation
 * that arrived meanwhile (see `generation`). A shop that does not exist is not remembered.
 */
@Injectable()
export class ShopOwnerCache {
  private readonly shops: ShopEntryMap<CachedShop>;
  private generationCounter = 0;

  constructor(
    private readonly bus: InvalidationBus,
    @Optional() config?: AppConfig,
  ) {
    this.shops = new ShopEntryMap<CachedShop>(config?.tokens.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES, authorizationsOf);
    bus.subscribe((message) => {
      switch (message.kind) {
        case 'authorization':
          this.generationCounter += 1;
          this.shops.forgetAuthorization(message.id);
          return;
        case 'all':
          this.generationCounter += 1;
          this.shops.clear();
          return;
        case 'api_key':
          // A key's scope is the key cache's concern; no shop changed hands.
          return;
      }
    });
  }

  /** Every app's owner of the shop id. */
  get(shopId: string): readonly CachedShopOwner[] | undefined {
    return this.bus.healthy ? this.shops.get(shopId, Date.now())?.owners : undefined;
  }

  /** Take this before reading the owner, and hand it to `set`: see TokenCache.generation. */
  get generation(): number {
    return this.generationCounter;
  }

  /** `shop.owners`: every app's row of the shop id, as one read found them (none: not stored). */
  set(shop: CachedShop, generation: number): void {
    if (!this.bus.healthy || generation !== this.generationCounter || shop.owners.length === 0) return;
    this.shops.set(shop.shopId, shop, Date.now());
  }
}
