/** Whose a shop is: the authorization that grants it, and that authorization's tenant (null: none). */
export interface ShopOwner {
  authorizationId: string;
  tenantId: string | null;
}

/**
 * Where the request pipeline learns a shop's tenant, for a tenant-scoped key. Declared here, below the
 * pipeline, and implemented in shops (ShopOwnerLookup), which owns the tables: the pipeline never imports
 * shops. Nest injects the implementation by this class.
 */
export abstract class ShopOwners {
  /** The owner when this replica knows it without the database (and no invalidation since); undefined otherwise. */
  abstract cached(shopId: string): ShopOwner | undefined;

  /** The owner, asking the database if need be; null: no such shop. */
  abstract find(shopId: string): Promise<ShopOwner | null>;
}
