import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { authorizationStatusIsSql, authorizationStatusSql, AuthorizationViewStatus } from './derived-status';
import { refreshStateColumns, RefreshStateRow, refreshStateView, RefreshStateView } from './refresh-state';

export { AUTHORIZATION_VIEW_STATUSES } from './derived-status';
export type { AuthorizationViewStatus } from './derived-status';

interface SellerIdentity {
  id: string;
  open_id: string;
  seller_name: string | null;
  seller_base_region: string | null;
  status: AuthorizationViewStatus;
  granted_scopes: string[];
}

export interface AuthorizationView extends SellerIdentity, RefreshStateView {
  shop_ids: string[];
}

interface Row extends SellerIdentity, RefreshStateRow {
  shop_ids: string[] | null;
}

/** Read-only views of authorizations for operators. Never a token. */
@Injectable()
export class AuthorizationsQueryService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Keyset pages in id order; a status filter is a condition on stored columns, so its index can serve it. */
  async list(
    status: AuthorizationViewStatus | undefined,
    limit: number,
    after?: string,
  ): Promise<{ authorizations: AuthorizationView[]; next_after: string | null }> {
    const conditions: string[] = [];
    const params: unknown[] = [limit];
    if (status) conditions.push(authorizationStatusIsSql('a', status));
    if (after) conditions.push(`a.id > $${params.push(after)}`);
    const rows = await this.dataSource.query<Row[]>(
      `SELECT a.id, a.open_id, a.seller_name, a.seller_base_region, a.granted_scopes,
              ${authorizationStatusSql('a')} AS status,
              (SELECT array_agg(s.id ORDER BY s.id) FROM shops s WHERE s.authorization_id = a.id AND s.status = 'active') AS shop_ids,
              ${refreshStateColumns('a')}
         FROM seller_authorizations a
        ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
        ORDER BY a.id LIMIT $1`,
      params,
    );
    return {
      authorizations: rows.map((row) => ({
        id: row.id,
        open_id: row.open_id,
        seller_name: row.seller_name,
        seller_base_region: row.seller_base_region,
        status: row.status,
        granted_scopes: row.granted_scopes,
        shop_ids: row.shop_ids ?? [],
        ...refreshStateView(row),
      })),
      next_after: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }
}
