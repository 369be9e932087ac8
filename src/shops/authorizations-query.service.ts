import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { appFilter } from '../common/http/apps';
import { TiktokApps } from '../config/tiktok-apps';
import { AuthorizationViewsRepository } from './authorization-views.repository';
import type { AuthorizationViewStatus, ShopViewStatus } from './derived-status';
import { refreshStateView, RefreshStateView } from './refresh-state';

export { AUTHORIZATION_VIEW_STATUSES } from './derived-status';
export type { AuthorizationViewStatus } from './derived-status';

/** An authorization in GET /admin/authorizations. */
export interface AuthorizationView extends RefreshStateView {
  id: string;
  /** The app the seller granted (its id, as TIKTOK_APPS lists it). */
  app: string;
  /** The tenant that owns the seller; null: none. */
  tenant_id: string | null;
  open_id: string;
  seller_name: string | null;
  seller_base_region: string | null;
  status: AuthorizationViewStatus;
  granted_scopes: string[];
  shop_ids: string[];
}

/** An authorization in the original single-seller summary, GET /auth/status. */
export interface AuthStatusEntry {
  authorization_id: string;
  /** The app the seller authorized (its id). */
  app: string;
  open_id: string;
  seller_name: string | null;
  status: string;
  authorized: boolean;
  access_token_expired: boolean;
  refresh_token_expired: boolean;
  expires_at: string | null;
  refresh_expires_at: string | null;
  shops: { shop_id: string; shop_name: string; region: string; status: string }[];
}

/** A seller's authorization and its shops as the development pages show them. */
export interface ConnectedSellerView {
  authorization_id: string;
  /** The app the seller authorized (its id). */
  app: string;
  seller_name: string | null;
  status: AuthorizationViewStatus;
  access_token_expires_at: string | null;
  shops: { shop_id: string; shop_name: string; region: string; status: ShopViewStatus }[];
}

/** Read-only views of authorizations for operators. Never a token. */
@Injectable()
export class AuthorizationsQueryService {
  constructor(
    private readonly views: AuthorizationViewsRepository,
    private readonly apps: TiktokApps,
  ) {}

  /** `app`: only the authorizations of this app id (400 `unknown_app` for one not configured). */
  async list(
    filter: { status?: AuthorizationViewStatus; tenantId?: string; app?: string },
    limit: number,
    after?: string,
  ): Promise<{ authorizations: AuthorizationView[]; next_after: string | null }> {
    const { app, ...rest } = filter;
    const rows = await this.views.authorizations({ ...rest, appKey: appFilter(this.apps, app) }, limit, after);
    return {
      authorizations: rows.map((row) => ({
        id: row.id,
        app: this.apps.idOf(row.appKey),
        tenant_id: row.tenantId,
        open_id: row.openId,
        seller_name: row.sellerName,
        seller_base_region: row.sellerBaseRegion,
        status: row.viewStatus,
        granted_scopes: row.grantedScopes,
        shop_ids: row.shopIds ?? [],
        ...refreshStateView(row),
      })),
      next_after: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }

  /** The newest `limit` authorizations with their shops, or only the one `authorizationId` names. */
  async connectedSellers(limit: number, authorizationId?: string): Promise<ConnectedSellerView[]> {
    const rows = await this.views.connectedSellers(limit, authorizationId);
    return rows.map((row) => ({
      authorization_id: row.id,
      app: this.apps.idOf(row.appKey),
      seller_name: row.sellerName,
      status: row.viewStatus,
      access_token_expires_at: row.accessTokenExpiresAt?.toISOString() ?? null,
      shops: row.shops.map((shop) => ({ shop_id: shop.id, shop_name: shop.name, region: shop.region, status: shop.status })),
    }));
  }

  /**
   * One entry per authorization in creation order, in pages: its answer stays bounded with any number of
   * sellers; a caller that ignores `next_after` sees the first page, as before for all but large seller bases.
   * `app`: only that app's (an app id; unknown: 400 `unknown_app`).
   */
  async authStatus(limit: number, after?: string, app?: string): Promise<{ authorizations: AuthStatusEntry[]; next_after: string | null }> {
    const rows = await this.views.authStatus(limit, after, appFilter(this.apps, app));
    // An empty page after an unknown cursor would read as "no more sellers": say it instead.
    if (rows.length === 0 && after !== undefined && !(await this.views.authorizationExists(after))) {
      throw new AppError(ErrorCode.InvalidRequest, 'after is not the id of a stored authorization; start from the first page');
    }
    return {
      authorizations: rows.map((row) => ({
        authorization_id: row.id,
        app: this.apps.idOf(row.appKey),
        open_id: row.openId,
        seller_name: row.sellerName,
        status: row.status,
        authorized: row.authorized,
        access_token_expired: row.accessTokenExpired,
        refresh_token_expired: row.refreshTokenExpired,
        expires_at: row.accessTokenExpiresAt?.toISOString() ?? null,
        refresh_expires_at: row.refreshTokenExpiresAt?.toISOString() ?? null,
        shops: row.shops.map((shop) => ({ shop_id: shop.id, shop_name: shop.name, region: shop.region, status: shop.status })),
      })),
      next_after: rows.length === limit ? rows[rows.length - 1].id : null,
    };
  }
}
