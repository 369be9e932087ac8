import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import {
  AUTHORIZATION_VIEW_STATUSES,
  authorizationStatusSql,
  AuthorizationViewStatus,
  SHOP_VIEW_STATUSES,
  shopStatusSql,
  ShopViewStatus,
} from './derived-status';
import { SellerAuthorization } from './entities/seller-authorization.entity';

/** A tenant's authorizations and shops by view status, every status present (zero included). */
export interface TenantCounts {
  authorizations: Record<AuthorizationViewStatus, number>;
  shops: Record<ShopViewStatus, number>;
}

/** A shop an offboarding still has to revoke: one app's (a shop id granted to two apps is two of them). */
export interface TenantShop {
  shopId: string;
  appKey: string;
  authorizationId: string;
}

/** An authorization of the tenant locked for an offboarding's revocation. */
export type LockedTenantAuthorization = Pick<SellerAuthorization, 'id' | 'appKey' | 'openId' | 'tenantId' | 'status'>;

/** An authorization locked by a tenant transfer: whose it is now. */
export type TransferredAuthorization = Pick<SellerAuthorization, 'id' | 'appKey' | 'openId' | 'tenantId'>;

/** Where an authorization of the tenant stands, for the offboarding's last check. */
export interface OffboardingState {
  id: string;
  /** True once nothing of it can get a token: revoked, tokens destroyed, no shop granted. */
  done: boolean;
}

const LOCKED = selectColumns(SellerAuthorization, 'a', ['id', 'appKey', 'openId', 'tenantId', 'status']);
const TRANSFERRED = selectColumns(SellerAuthorization, 'a', ['id', 'appKey', 'openId', 'tenantId']);

/** Still to revoke: not revoked, or still holding a token. */
const NOT_DONE = `(a.status <> 'revoked' OR a.access_token IS NOT NULL OR a.refresh_token IS NOT NULL)`;
const HAS_ACTIVE_SHOP = `EXISTS (SELECT 1 FROM shops s WHERE s.authorization_id = a.id AND s.status = 'active')`;

/**
 * seller_authorizations and shops seen by tenant: the counts of GET /admin/tenants/{tenant_id}, what an
 * offboarding revokes and erases, and the admin transfer. Every tenant query takes the tenant id first and
 * refuses an empty one; each one finds the tenant's authorizations on ix_seller_authorizations_tenant.
 */
@Injectable()
export class TenantAuthorizationsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async counts(tenantId: string): Promise<TenantCounts> {
    const rows = await this.dataSource.query<{ kind: 'authorizations' | 'shops'; status: string; n: number }[]>(
      `SELECT 'authorizations' AS kind, ${authorizationStatusSql('a')} AS status, count(*)::int AS n
         FROM seller_authorizations a WHERE a.tenant_id = $1 GROUP BY 2
       UNION ALL
       SELECT 'shops', ${shopStatusSql('s', 'a')}, count(*)::int
         FROM seller_authorizations a JOIN shops s ON s.authorization_id = a.id WHERE a.tenant_id = $1 GROUP BY 2`,
      [requireId(tenantId, 'a tenant id')],
    );
    const count = (kind: string, status: string): number => rows.find((row) => row.kind === kind && row.status === status)?.n ?? 0;
    return {
      authorizations: Object.fromEntries(AUTHORIZATION_VIEW_STATUSES.map((status) => [status, count('authorizations', status)])) as Record<
        AuthorizationViewStatus,
        number
      >,
      shops: Object.fromEntries(SHOP_VIEW_STATUSES.map((status) => [status, count('shops', status)])) as Record<ShopViewStatus, number>,
    };
  }

  /** The tenant's granted shops of every app, in (id, app key) order (the order an offboarding revokes them in). */
  activeShops(manager: EntityManager, tenantId: string): Promise<TenantShop[]> {
    return manager.query<TenantShop[]>(
      `SELECT s.id AS "shopId", s.app_key AS "appKey", s.authorization_id AS "authorizationId"
         FROM seller_authorizations a JOIN shops s ON s.authorization_id = a.id
        WHERE a.tenant_id = $1 AND s.status = 'active' ORDER BY s.id, s.app_key`,
      [requireId(tenantId, 'a tenant id')],
    );
  }

  /** The tenant's authorizations still to revoke that have no granted shop left (no shop's revocation ends them). */
  async shoplessNotRevoked(manager: EntityManager, tenantId: string): Promise<string[]> {
    const rows = await manager.query<{ id: string }[]>(
      `SELECT a.id FROM seller_authorizations a WHERE a.tenant_id = $1 AND ${NOT_DONE} AND NOT ${HAS_ACTIVE_SHOP} ORDER BY a.id`,
      [requireId(tenantId, 'a tenant id')],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Locks the shop of one app and its authorization, in the order a revocation does, while the shop is still
   * granted and its authorization still the tenant's (a transfer or a consent may have moved it since it was listed).
   */
  async lockActiveShop(manager: EntityManager, tenantId: string, shopId: string, appKey: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id
        WHERE a.tenant_id = $1 AND s.id = $2 AND s.app_key = $3 AND s.status = 'active' FOR UPDATE OF s, a`,
      [requireId(tenantId, 'a tenant id'), requireId(shopId, 'a shop id'), requireId(appKey, 'an app key')],
    );
    return rows.length > 0;
  }

  /** Locks the authorization while it is still the tenant's; null otherwise. */
  async lockAuthorization(manager: EntityManager, tenantId: string, authorizationId: string): Promise<LockedTenantAuthorization | null> {
    const [row] = await manager.query<LockedTenantAuthorization[]>(
      `SELECT ${LOCKED} FROM seller_authorizations a WHERE a.tenant_id = $1 AND a.id = $2 FOR UPDATE`,
      [requireId(tenantId, 'a tenant id'), requireId(authorizationId, 'an authorization id')],
    );
    return row ?? null;
  }

  /**
   * Locks every authorization of the tenant (so no consent is half-way through one of them) and says, from the
   * rows as locked, whether each is done with.
   */
  lockAll(manager: EntityManager, tenantId: string): Promise<OffboardingState[]> {
    return manager.query<OffboardingState[]>(
      `SELECT a.id, NOT (${NOT_DONE} OR ${HAS_ACTIVE_SHOP}) AS done
         FROM seller_authorizations a WHERE a.tenant_id = $1 ORDER BY a.id FOR UPDATE OF a`,
      [requireId(tenantId, 'a tenant id')],
    );
  }

  /** Erases the seller name (personal data) of every authorization of the tenant; returns how many had one. */
  async eraseSellerNames(manager: EntityManager, tenantId: string): Promise<number> {
    const [rows] = await manager.query<[unknown[], number]>(
      `UPDATE seller_authorizations SET seller_name = NULL, updated_at = now()
        WHERE tenant_id = $1 AND seller_name IS NOT NULL RETURNING id`,
      [requireId(tenantId, 'a tenant id')],
    );
    return rows.length;
  }

  /** Locks the authorization for a transfer; null: no such authorization. */
  async lockForTransfer(manager: EntityManager, authorizationId: string): Promise<TransferredAuthorization | null> {
    const [row] = await manager.query<TransferredAuthorization[]>(
      `SELECT ${TRANSFERRED} FROM seller_authorizations a WHERE a.id = $1 FOR UPDATE`,
      [requireId(authorizationId, 'an authorization id')],
    );
    return row ?? null;
  }

  /** Gives the authorization (and so its shops) to `tenantId`; null detaches it from any tenant. */
  async setTenant(manager: EntityManager, authorizationId: string, tenantId: string | null): Promise<void> {
    await manager.query(`UPDATE seller_authorizations SET tenant_id = $2, updated_at = now() WHERE id = $1`, [
      requireId(authorizationId, 'an authorization id'),
      tenantId === null ? null : requireId(tenantId, 'a tenant id'),
    ]);
  }
}
