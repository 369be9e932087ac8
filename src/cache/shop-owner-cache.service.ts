import { Injectable, Optional } from '@nestjs/common';
import { AppConfig, DEFAULT_CACHE_MAX_ENTRIES } from '../config/app-config';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { ShopEntry, ShopEntryMap } from './expiring-map';

/** Whose a shop is: its authorization, and that authorization's tenant (null: none). */
export interface CachedShopOwner extends ShopEntry {
  tenantId: string | null;
}

/**
 * This replica's memory of which tenant owns which shop, for tenant-scoped keys: it lets the token fast path
 * decide such a key without the database. A shop's tenant changes only with its authorization's (a transfer)
 * or its authorization (a consent taking it over), and both announce `{ kind: 'authorization', id }` for every
 * authorization concerned when they commit: that message, or `all`, empties the shops of that authorization
 * on every replica. Like TokenCache it answers nothing while the bus is unhealthy, holds at most
 * TOKEN_CACHE_MAX_ENTRIES shops, each for at most a minute, and refuses a value read before an invalidation
 * that arrived meanwhile (see `generation`). A shop that does not exist is not remembered.
 */
@Injectable()
export class ShopOwnerCache {
  private readonly owners: ShopEntryMap<CachedShopOwner>;
  private generationCounter = 0;

  constructor(
    private readonly bus: InvalidationBus,
    @Optional() config?: AppConfig,
  ) {
    this.owners = new ShopEntryMap<CachedShopOwner>(config?.tokens.cacheMaxEntries ?? DEFAULT_CACHE_MAX_ENTRIES);
    bus.subscribe((message) => {
      switch (message.kind) {
        case 'authorization':
          this.generationCounter += 1;
          this.owners.forgetAuthorization(message.id);
          return;
        case 'all':
          this.generationCounter += 1;
          this.owners.clear();
          return;
        case 'api_key':
          // A key's scope is the key cache's concern; no shop changed hands.
          return;
      }
    });
  }

  get(shopId: string): CachedShopOwner | undefined {
    return this.bus.healthy ? this.owners.get(shopId, Date.now()) : undefined;
  }

  /** Take this before reading the owner, and hand it to `set`: see TokenCache.generation. */
  get generation(): number {
    return this.generationCounter;
  }

  set(owner: CachedShopOwner, generation: number): void {
    if (!this.bus.healthy || generation !== this.generationCounter) return;
    this.owners.set(owner, Date.now());
  }
}
