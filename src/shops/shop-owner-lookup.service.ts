import { Injectable } from '@nestjs/common';
import { ShopOwner, ShopOwners } from '../access/shop-owners';
import { ShopOwnerCache } from '../cache/shop-owner-cache.service';
import { AuthorizationViewsRepository } from './authorization-views.repository';

/**
 * A shop id's owners (one per app it is granted to) for the request pipeline (access's ShopOwners): from this
 * replica's ShopOwnerCache when it holds the shop id, else from one read on the two primary keys, then
 * remembered unless an invalidation arrived while it was read.
 */
@Injectable()
export class ShopOwnerLookup extends ShopOwners {
  constructor(
    private readonly cache: ShopOwnerCache,
    private readonly views: AuthorizationViewsRepository,
  ) {
    super();
  }

  cached(shopId: string): readonly ShopOwner[] | undefined {
    return this.cache.get(shopId);
  }

  async find(shopId: string): Promise<readonly ShopOwner[]> {
    const generation = this.cache.generation;
    const known = this.cache.get(shopId);
    if (known) return known;
    const owners = await this.views.shopOwners(shopId);
    this.cache.set({ shopId, owners }, generation);
    return owners;
  }
}
