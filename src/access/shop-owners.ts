/**
 * Whose a shop is in one app: the app, the authorization that grants it there, and that authorization's tenant
 * (null: none). `granted`: the shop is active there and its authorization not revoked.
 */
export interface ShopOwner {
  appKey: string;
  authorizationId: string;
  tenantId: string | null;
  granted: boolean;
}

/**
 * Where the request pipeline learns a shop id's apps and their tenants: for a tenant-scoped key, and for a
 * request that names no app when several are configured. Declared here, below the pipeline, and implemented in
 * shops (ShopOwnerLookup), which owns the tables: the pipeline never imports shops. Nest injects the
 * implementation by this class. A shop id has one row per app it is granted to, so each answer lists them all.
 */
export abstract class ShopOwners {
  /** Every app's owner when this replica knows them without the database (and no invalidation since); undefined otherwise. */
  abstract cached(shopId: string): readonly ShopOwner[] | undefined;

  /** Every app's owner, asking the database if need be; empty: no such shop. */
  abstract find(shopId: string): Promise<readonly ShopOwner[]>;
}
