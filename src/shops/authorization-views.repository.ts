import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { nestRow, requireId, selectColumns } from '../database/columns';
import {
  authorizationEndSql,
  authorizationStatusIsSql,
  authorizationStatusSql,
  AuthorizationViewStatus,
  shopStatusIsSql,
  shopStatusSql,
  ShopViewStatus,
} from './derived-status';
import { SellerAuthorization } from './entities/seller-authorization.entity';
import { Shop } from './entities/shop.entity';
import { RefreshState, refreshStateColumns } from './refresh-state';

/** A shop (in one app) and the authorization that grants it, as the token API reads them. */
export interface ShopGrant {
  shop: Pick<Shop, 'id' | 'appKey' | 'name' | 'region' | 'cipher' | 'status'>;
  authorization: Pick<
    SellerAuthorization,
    'id' | 'tenantId' | 'status' | 'openId' | 'sellerName' | 'accessToken' | 'accessTokenExpiresAt'
  > & {
    endsAt: Date | null;
  };
  viewStatus: ShopViewStatus;
}

/** Whose a shop is in one app, as a tenant-scoped key's access and a request naming no app are decided. */
export interface ShopOwnerRow {
  appKey: string;
  authorizationId: string;
  tenantId: string | null;
  /** The shop is active in that app and its authorization not revoked. */
  granted: boolean;
}

/** A shop as operators see it: who granted it, and where its authorization's refreshes stand. */
export interface AdminShopRow {
  shop: Pick<Shop, 'id' | 'appKey' | 'name' | 'region' | 'sellerType'>;
  authorization: Pick<SellerAuthorization, 'id' | 'tenantId' | 'status' | 'openId' | 'sellerName' | 'grantedScopes'> & RefreshState;
  viewStatus: ShopViewStatus;
}

/** An authorization as operators see it, with its granted shops. */
export type AuthorizationRow = Pick<
  SellerAuthorization,
  'id' | 'appKey' | 'tenantId' | 'openId' | 'sellerName' | 'sellerBaseRegion' | 'grantedScopes'
> &
  RefreshState & { viewStatus: AuthorizationViewStatus; shopIds: string[] | null };

/** An authorization in the original single-seller summary of GET /auth/status. */
export type AuthStatusRow = Pick<
  SellerAuthorization,
  'id' | 'appKey' | 'openId' | 'sellerName' | 'status' | 'accessTokenExpiresAt' | 'refreshTokenExpiresAt'
> & {
  authorized: boolean;
  accessTokenExpired: boolean;
  refreshTokenExpired: boolean;
  shops: Pick<Shop, 'id' | 'name' | 'region' | 'status'>[];
};

/** An authorization and its shops with their view statuses, for the development pages. Never a token. */
export type ConnectedSellerRow = Pick<SellerAuthorization, 'id' | 'appKey' | 'sellerName' | 'accessTokenExpiresAt'> & {
  viewStatus: AuthorizationViewStatus;
  shops: { id: string; name: string; region: string; status: ShopViewStatus }[];
};

const SHOP_GRANT = `
  SELECT ${selectColumns(Shop, 's', ['id', 'appKey', 'name', 'region', 'cipher', 'status'], 'shop')},
         ${selectColumns(SellerAuthorization, 'a', ['id', 'tenantId', 'status', 'openId', 'sellerName', 'accessToken', 'accessTokenExpiresAt'], 'authorization')},
         ${authorizationEndSql('a')} AS "authorization.endsAt", ${shopStatusSql('s', 'a')} AS "viewStatus"
    FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id`;

/**
 * The token API's read on a cache miss, sent to pg's pool as a named statement: parsed and planned once per
 * connection instead of per request, and without TypeORM's query runner around it. With a cold cache this runs
 * for most token requests, and its per-request garbage is what the collector pauses for.
 */
const LOAD_SHOP_GRANT = { name: 'tts_load_shop', text: `${SHOP_GRANT} WHERE s.id = $1 AND s.app_key = $2` } as const;

/**
 * Every app's owner of a shop id, on the two primary keys (shops_pkey's first column is the shop id); a named
 * statement for the same reason as LOAD_SHOP_GRANT.
 */
const LOAD_SHOP_OWNERS = {
  name: 'tts_load_shop_owners',
  text: `SELECT ${selectColumns(Shop, 's', ['appKey', 'authorizationId'])}, ${selectColumns(SellerAuthorization, 'a', ['tenantId'])},
                (s.status = 'active' AND a.status <> 'revoked') AS granted
           FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id WHERE s.id = $1 ORDER BY s.app_key`,
} as const;

/** One derived status per shop, as operators see it. */
const ADMIN_SHOP = `
  SELECT ${selectColumns(Shop, 's', ['id', 'appKey', 'name', 'region', 'sellerType'], 'shop')},
         ${selectColumns(SellerAuthorization, 'a', ['id', 'tenantId', 'status', 'openId', 'sellerName', 'grantedScopes'], 'authorization')},
         ${refreshStateColumns('a', 'authorization')}, ${shopStatusSql('s', 'a')} AS "viewStatus"
    FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id`;

const AUTHORIZATION = selectColumns(SellerAuthorization, 'a', [
  'id',
  'appKey',
  'tenantId',
  'openId',
  'sellerName',
  'sellerBaseRegion',
  'grantedScopes',
]);
const AUTH_STATUS = selectColumns(SellerAuthorization, 'a', [
  'id',
  'appKey',
  'openId',
  'sellerName',
  'status',
  'accessTokenExpiresAt',
  'refreshTokenExpiresAt',
]);

/**
 * A condition on `s`: its authorization has this view status, in the form that lets the planner work from the
 * few authorizations that are not plain active. Those with a problem are listed once (ARRAY), so their shops
 * are found through ix_shops_authorization_id rather than by hashing a scan of every shop, which it prefers
 * for a join. `active` is nearly all of them: the shop's authorization is none of the others (every shop has
 * one: a foreign key), which the status and end indexes find.
 */
function shopAuthorizationIs(status: AuthorizationViewStatus): string {
  if (status === 'active') {
    return `NOT EXISTS (SELECT 1 FROM seller_authorizations x
                         WHERE x.id = s.authorization_id AND (x.status <> 'active' OR ${authorizationStatusIsSql('x', 'expiring')}))`;
  }
  return `s.authorization_id = ANY (ARRAY(SELECT x.id FROM seller_authorizations x WHERE ${authorizationStatusIsSql('x', status)}))`;
}

/**
 * A condition on `s`: its authorization belongs to one of the tenants `tenants` (an SQL varchar[] expression)
 * names. As in {@link shopAuthorizationIs}, the tenants' authorizations are listed once (from
 * ix_seller_authorizations_tenant) and their shops found through ix_shops_authorization_id.
 */
function shopOfTenants(tenants: string): string {
  return `s.authorization_id = ANY (ARRAY(SELECT x.id FROM seller_authorizations x WHERE x.tenant_id = ANY (${tenants})))`;
}

/**
 * Read-only views of the authorizations and their shops: what the token API, the admin API and the metrics
 * read. Tokens come back as stored (encrypted); none of the admin views reads them at all.
 */
@Injectable()
export class AuthorizationViewsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The shop in the app `appKey` and its authorization, whatever their status; null if no such shop there. */
  async shopGrant(shopId: string, appKey: string): Promise<ShopGrant | null> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const { rows } = await pool.query<Record<string, unknown>>({
      ...LOAD_SHOP_GRANT,
      values: [requireId(shopId, 'a shop id'), requireId(appKey, 'an app key')],
    });
    return rows.length > 0 ? nestRow<ShopGrant>(rows[0]) : null;
  }

  /** The shop id's row in every app it is granted to, with its authorization and tenant; empty if no such shop. */
  async shopOwners(shopId: string): Promise<ShopOwnerRow[]> {
    const pool = (this.dataSource.driver as PostgresDriver).master as Pool;
    const { rows } = await pool.query<ShopOwnerRow>({ ...LOAD_SHOP_OWNERS, values: [requireId(shopId, 'a shop id')] });
    return rows;
  }

  /**
   * Shops in (id, app) order after the shop id `after`, among `shopIds` (null: any, in every app), owned by one
   * of `tenantIds` (null: any owner, also none) and, with `appKey`, of that app only. The tenants'
   * authorizations come from ix_seller_authorizations_tenant, their shops from ix_shops_authorization_id. A page
   * never ends inside a shop id: a full page of `limit` rows also has its last shop id's rows in the other apps,
   * so the next one starts after that id.
   */
  async shopGrants(
    visible: { shopIds: readonly string[] | null; tenantIds: readonly string[] | null },
    filter: { after?: string; appKey?: string },
    limit: number,
  ): Promise<ShopGrant[]> {
    const params: unknown[] = [null];
    const conditions: string[] = [];
    if (visible.shopIds !== null) conditions.push(`s.id = ANY($${params.push(visible.shopIds)}::varchar[])`);
    if (visible.tenantIds !== null) conditions.push(shopOfTenants(`$${params.push(visible.tenantIds)}::varchar[]`));
    if (filter.appKey !== undefined) conditions.push(`s.app_key = $${params.push(requireId(filter.appKey, 'an app key'))}`);
    const cursor = params.length;
    // $1 is the limit; NULL is no limit at all (the rest of one shop id).
    const page = (rowLimit: number | null, more: string, values: unknown[]) => {
      const all = more === '' ? conditions : [...conditions, more];
      return this.dataSource.query<Record<string, unknown>[]>(
        `${SHOP_GRANT} ${all.length > 0 ? `WHERE ${all.join(' AND ')}` : ''} ORDER BY s.id, s.app_key LIMIT $1`,
        [rowLimit, ...params.slice(1), ...values],
      );
    };
    const rows = filter.after === undefined ? await page(limit, '', []) : await page(limit, `s.id > $${cursor + 1}`, [filter.after]);
    const last = rows[rows.length - 1];
    if (rows.length === limit && last !== undefined) {
      rows.push(...(await page(null, `s.id = $${cursor + 1} AND s.app_key > $${cursor + 2}`, [last['shop.id'], last['shop.appKey']])));
    }
    return rows.map((row) => nestRow<ShopGrant>(row));
  }

  /**
   * Keyset pages in id order; a status filter is a condition on stored columns, so its index can serve it, and
   * a tenant's are read in id order from ix_seller_authorizations_tenant.
   */
  async authorizations(
    filter: { status?: AuthorizationViewStatus; tenantId?: string; appKey?: string },
    limit: number,
    after?: string,
  ): Promise<AuthorizationRow[]> {
    const conditions: string[] = [];
    const params: unknown[] = [limit];
    if (filter.status) conditions.push(authorizationStatusIsSql('a', filter.status));
    if (filter.tenantId !== undefined) conditions.push(`a.tenant_id = $${params.push(requireId(filter.tenantId, 'a tenant id'))}`);
    if (filter.appKey !== undefined) conditions.push(`a.app_key = $${params.push(requireId(filter.appKey, 'an app key'))}`);
    if (after) conditions.push(`a.id > $${params.push(after)}`);
    return this.dataSource.query<AuthorizationRow[]>(
      `SELECT ${AUTHORIZATION}, ${authorizationStatusSql('a')} AS "viewStatus",
              (SELECT array_agg(s.id ORDER BY s.id) FROM shops s WHERE s.authorization_id = a.id AND s.status = 'active') AS "shopIds",
              ${refreshStateColumns('a')}
         FROM seller_authorizations a
        ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY a.id LIMIT $1`,
      params,
    );
  }

  /**
   * One page and the total in one round trip. The page's shop ids are picked on shops alone, in id order
   * through an index (shops_pkey, or the region and status indexes), and only that page is joined to its
   * authorizations; a deep page still walks `offset` index entries. The total counts the matching shops: all
   * of them when nothing filters, which no index avoids.
   */
  async adminShops(
    filter: { status?: ShopViewStatus; region?: string; tenantId?: string; appKey?: string },
    page: number,
    limit: number,
  ): Promise<{ rows: AdminShopRow[]; total: number }> {
    const conditions: string[] = [];
    const params: unknown[] = [limit, (page - 1) * limit];
    if (filter.status) conditions.push(shopStatusIsSql('s', filter.status, shopAuthorizationIs));
    if (filter.region) conditions.push(`s.region = $${params.push(filter.region)}`);
    if (filter.tenantId !== undefined) {
      conditions.push(shopOfTenants(`ARRAY[$${params.push(requireId(filter.tenantId, 'a tenant id'))}::varchar]`));
    }
    if (filter.appKey !== undefined) conditions.push(`s.app_key = $${params.push(requireId(filter.appKey, 'an app key'))}`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    // A shop id granted to several apps is several rows: (id, app_key) is the key and the order.
    const rows = await this.dataSource.query<(Record<string, unknown> & { total: string })[]>(
      `SELECT t.total, v.* FROM (SELECT count(*) AS total FROM shops s ${where}) t
         LEFT JOIN (${ADMIN_SHOP} WHERE (s.id, s.app_key) IN (SELECT s.id, s.app_key FROM shops s ${where}
                                                               ORDER BY s.id, s.app_key LIMIT $1 OFFSET $2)) v ON true
        ORDER BY v."shop.id", v."shop.appKey"`,
      params,
    );
    // Past the last page the only row is the total, with no shop.
    const shops = rows.filter((row) => row['shop.id'] !== null).map(({ total: _total, ...row }) => nestRow<AdminShopRow>(row));
    return { rows: shops, total: Number(rows[0]?.total ?? 0) };
  }

  /** The shop of one app; null if that app has no such shop. */
  async adminShop(shopId: string, appKey: string): Promise<AdminShopRow | null> {
    const [row] = await this.dataSource.query<Record<string, unknown>[]>(`${ADMIN_SHOP} WHERE s.id = $1 AND s.app_key = $2`, [
      requireId(shopId, 'a shop id'),
      requireId(appKey, 'an app key'),
    ]);
    return row ? nestRow<AdminShopRow>(row) : null;
  }

  /**
   * GET /auth/status in creation order, of the app `appKey` names (undefined: every app). The cursor's own row
   * gives the keyset position; an unknown id gives no position and so no rows.
   */
  async authStatus(limit: number, after?: string, appKey?: string): Promise<AuthStatusRow[]> {
    const params: unknown[] = [limit];
    const conditions: string[] = [];
    if (after !== undefined) {
      conditions.push(
        `(a.created_at, a.id) > (SELECT c.created_at, c.id FROM seller_authorizations c WHERE c.id = $${params.push(after)})`,
      );
    }
    if (appKey !== undefined) conditions.push(`a.app_key = $${params.push(requireId(appKey, 'an app key'))}`);
    const from = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    return this.dataSource.query<AuthStatusRow[]>(
      `SELECT ${AUTH_STATUS},
              (a.status = 'active' AND a.refresh_token IS NOT NULL) AS authorized,
              (a.access_token_expires_at IS NULL OR a.access_token_expires_at <= now()) AS "accessTokenExpired",
              (a.refresh_token_expires_at IS NULL OR a.refresh_token_expires_at <= now()) AS "refreshTokenExpired",
              COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name, 'region', s.region, 'status', s.status) ORDER BY s.id)
                          FROM shops s WHERE s.authorization_id = a.id), '[]'::json) AS shops
         FROM seller_authorizations a ${from}
        ORDER BY a.created_at, a.id LIMIT $1`,
      params,
    );
  }

  /**
   * The newest authorizations first (on ix_seller_authorizations_created), or the one `authorizationId` names,
   * each with every shop it ever granted.
   */
  async connectedSellers(limit: number, authorizationId?: string): Promise<ConnectedSellerRow[]> {
    return this.dataSource.query<ConnectedSellerRow[]>(
      `SELECT ${selectColumns(SellerAuthorization, 'a', ['id', 'appKey', 'sellerName', 'accessTokenExpiresAt'])},
              ${authorizationStatusSql('a')} AS "viewStatus",
              COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name, 'region', s.region,
                                                          'status', ${shopStatusSql('s', 'a')}) ORDER BY s.id)
                          FROM shops s WHERE s.authorization_id = a.id), '[]'::json) AS shops
         FROM seller_authorizations a
        WHERE $2::uuid IS NULL OR a.id = $2::uuid
        ORDER BY a.created_at DESC, a.id DESC LIMIT $1`,
      [limit, authorizationId ?? null],
    );
  }

  async authorizationExists(authorizationId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>('SELECT 1 FROM seller_authorizations WHERE id = $1', [
      requireId(authorizationId, 'an authorization id'),
    ]);
    return rows.length > 0;
  }

  /**
   * Authorizations by view status per app key of `appKeys` (the configured apps, each with every status, zero
   * included), counted on indexes rather than by reading the table (whose rows carry the encrypted tokens): the
   * active ones index-only on ix_seller_authorizations_access_expiry, the others on the status and expiry
   * indexes. With one app every stored authorization is its (start-up refuses any other app key), so nothing
   * is grouped and that stays so; with several, the counts are grouped by app_key, which reads the rows.
   */
  async countByStatus(appKeys: readonly string[]): Promise<Map<string, Record<AuthorizationViewStatus, number>>> {
    const several = appKeys.length > 1;
    const app = several ? 'app_key' : 'NULL::varchar';
    const byApp = several ? 'GROUP BY app_key' : '';
    const rows = await this.dataSource.query<{ appKey: string | null; status: string; n: number }[]>(
      `SELECT ${app} AS "appKey", 'all_active' AS status, count(*)::int AS n FROM seller_authorizations WHERE status = 'active' ${byApp}
       UNION ALL SELECT ${app}, 'expiring', count(*)::int FROM seller_authorizations a WHERE ${authorizationStatusIsSql('a', 'expiring')} ${byApp}
       UNION ALL SELECT ${app}, status, count(*)::int FROM seller_authorizations WHERE status <> 'active' GROUP BY ${several ? 'app_key, ' : ''}status`,
    );
    return new Map(
      appKeys.map((appKey) => {
        const count = (status: string): number => rows.find((row) => row.status === status && (!several || row.appKey === appKey))?.n ?? 0;
        const counts = {
          active: count('all_active') - count('expiring'),
          expiring: count('expiring'),
          reauthorization_required: count('reauthorization_required'),
          revoked: count('revoked'),
        };
        return [appKey, counts];
      }),
    );
  }

  /**
   * Seconds until the earliest access-token expiry and authorization end among active authorizations, per app
   * key of `appKeys` (null: that app has none). Grouped by app_key only with several apps, as {@link countByStatus}.
   */
  async earliestExpiries(appKeys: readonly string[]): Promise<Map<string, { access: number | null; authorization: number | null }>> {
    const several = appKeys.length > 1;
    const rows = await this.dataSource.query<{ appKey: string | null; access: number | null; authorization: number | null }[]>(
      `SELECT ${several ? 'app_key' : 'NULL::varchar'} AS "appKey",
              extract(epoch FROM min(access_token_expires_at) - now())::float AS access,
              extract(epoch FROM min(${authorizationEndSql('a')}) - now())::float AS authorization
         FROM seller_authorizations a WHERE status = 'active' ${several ? 'GROUP BY app_key' : ''}`,
    );
    return new Map(
      appKeys.map((appKey) => {
        const row = rows.find((candidate) => !several || candidate.appKey === appKey);
        return [appKey, { access: row?.access ?? null, authorization: row?.authorization ?? null }];
      }),
    );
  }
}
