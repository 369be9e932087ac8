import { Injectable } from '@nestjs/common';
import { ShopOwner, ShopOwners } from '../access/shop-owners';
import { ShopOwnerCache } from '../cache/shop-owner-cache.service';
import { AuthorizationViewsRepository } from './authorization-views.repository';

/**
 * A shop's owner for the request pipeline (access's ShopOwners): from this replica's ShopOwnerCache when it
 * holds the shop, else from one read on the two primary keys, then remembered unless an invalidation arrived
 * while it was read.
 */
@Injectable()
export class ShopOwnerLookup extends ShopOwners {
  constructor(
    private readonly cache: ShopOwnerCache,
    private readonly views: AuthorizationViewsRepository,
  ) {
    super();
  }

  cached(shopId: string): ShopOwner | undefined {
    return this.cache.get(shopId);
  }

  async find(shopId: string): Promise<ShopOwner | null> {
    const generation = this.cache.generation;
    const known = this.cache.get(shopId);
    if (known) return known;
    const row = await this.views.shopOwner(shopId);
    if (row) this.cache.set(row, generation);
    return row;
  }
}
