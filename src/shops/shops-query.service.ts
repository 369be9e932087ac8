import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { authorizationStatusIsSql, AuthorizationViewStatus, shopStatusIsSql, shopStatusSql, ShopViewStatus } from './derived-status';
import { refreshStateColumns, RefreshStateRow, refreshStateView, RefreshStateView } from './refresh-state';

export { SHOP_VIEW_STATUSES } from './derived-status';
export type { ShopViewStatus } from './derived-status';

/** What a shop is, who granted it, and where its authorization's refreshes stand. */
interface ShopIdentity {
  shop_id: string;
  shop_name: string;
  region: string;
  seller_type: string | null;
  status: ShopViewStatus;
  authorization_id: string;
  authorization_status: string;
  open_id: string;
  seller_name: string | null;
  granted_scopes: string[];
}

export interface AdminShopView extends ShopIdentity, RefreshStateView {}

export interface AdminEventView {
  id: string;
  type: string;
  shop_id: string | null;
  detail: Record<string, unknown>;
  created_at: string;
}

interface Row extends ShopIdentity, RefreshStateRow {}

/** One derived status per shop, as operators see it. */
const VIEW = `
  SELECT s.id AS shop_id, s.name AS shop_name, s.region, s.seller_type,
         ${shopStatusSql('s', 'a')} AS status,
         a.id AS authorization_id, a.status AS authorization_status, a.open_id, a.seller_name, a.granted_scopes,
         ${refreshStateColumns('a')}
    FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id`;

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

/** Read-only views of shops and their event log for the admin API. Never a token. */
@Injectable()
export class ShopsQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * One page and the total in one round trip. The page's shop ids are picked on shops alone, in id order
   * through an index (shops_pkey, or the region and status indexes), and only that page is joined to its
   * authorizations; a deep page still walks `offset` index entries. The total counts the matching shops: all
   * of them when nothing filters, which no index avoids.
   */
  async list(
    filter: { status?: ShopViewStatus; region?: string },
    page: number,
    limit: number,
  ): Promise<{ shops: AdminShopView[]; page: number; limit: number; total: number }> {
    const conditions: string[] = [];
    const params: unknown[] = [limit, (page - 1) * limit];
    if (filter.status) conditions.push(shopStatusIsSql('s', filter.status, shopAuthorizationIs));
    if (filter.region) conditions.push(`s.region = $${params.push(filter.region)}`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = await this.dataSource.query<((Row | { shop_id: null }) & { total: string })[]>(
      `SELECT t.total, v.* FROM (SELECT count(*) AS total FROM shops s ${where}) t
         LEFT JOIN (${VIEW} WHERE s.id IN (SELECT s.id FROM shops s ${where} ORDER BY s.id LIMIT $1 OFFSET $2)) v ON true
        ORDER BY v.shop_id`,
      params,
    );
    // Past the last page the only row is the total, with no shop.
    const shops = rows.filter((row): row is Row & { total: string } => row.shop_id !== null).map(toView);
    return { shops, page, limit, total: Number(rows[0]?.total ?? 0) };
  }

  async get(shopId: string): Promise<AdminShopView> {
    const [row] = await this.dataSource.query<Row[]>(`${VIEW} WHERE s.id = $1`, [shopId]);
    if (!row) throw new AppError(ErrorCode.ShopNotFound, `no authorized shop ${shopId}`);
    return toView(row);
  }

  /** The shop's events and its authorization's own events (those not about another shop), newest first. */
  async events(shopId: string, page: number, limit: number): Promise<{ events: AdminEventView[]; page: number; limit: number }> {
    const shop = await this.get(shopId);
    const rows = await this.dataSource.query<
      { id: string; type: string; shop_id: string | null; detail: Record<string, unknown>; created_at: Date }[]
    >(
      `SELECT id, type, shop_id, detail, created_at FROM authorization_events
        WHERE shop_id = $1 OR (authorization_id = $2 AND shop_id IS NULL)
        ORDER BY id DESC LIMIT $3 OFFSET $4`,
      [shopId, shop.authorization_id, limit, (page - 1) * limit],
    );
    return {
      events: rows.map((row) => ({
        id: String(row.id),
        type: row.type,
        shop_id: row.shop_id,
        detail: row.detail,
        created_at: row.created_at.toISOString(),
      })),
      page,
      limit,
    };
  }
}

function toView(row: Row): AdminShopView {
  return {
    shop_id: row.shop_id,
    shop_name: row.shop_name,
    region: row.region,
    seller_type: row.seller_type,
    status: row.status,
    authorization_id: row.authorization_id,
    authorization_status: row.authorization_status,
    open_id: row.open_id,
    seller_name: row.seller_name,
    granted_scopes: row.granted_scopes,
    ...refreshStateView(row),
  };
}
