import { Injectable } from '@nestjs/common';
import { appFilter } from '../common/http/apps';
import { TiktokApps } from '../config/tiktok-apps';
import { AuthorizationEventsRepository } from './authorization-events.repository';
import { AdminShopRow, AuthorizationViewsRepository } from './authorization-views.repository';
import type { ShopViewStatus } from './derived-status';
import { refreshStateView, RefreshStateView } from './refresh-state';
import { ShopApps, shopNotFound } from './shop-apps';

export { SHOP_VIEW_STATUSES } from './derived-status';
export type { ShopViewStatus } from './derived-status';

/** What a shop is, who granted it, and where its authorization's refreshes stand. */
export interface AdminShopView extends RefreshStateView {
  shop_id: string;
  /** The app the shop is granted to (its id, as TIKTOK_APPS lists it): a shop id is unique per app. */
  app: string;
  shop_name: string;
  region: string;
  seller_type: string | null;
  status: ShopViewStatus;
  authorization_id: string;
  /** The tenant that owns the shop (through its authorization); null: none. */
  tenant_id: string | null;
  authorization_status: string;
  open_id: string;
  seller_name: string | null;
  granted_scopes: string[];
}

export interface AdminEventView {
  id: string;
  type: string;
  shop_id: string | null;
  detail: Record<string, unknown>;
  created_at: string;
}

/** Read-only views of shops and their event log for the admin API. Never a token. */
@Injectable()
export class ShopsQueryService {
  constructor(
    private readonly views: AuthorizationViewsRepository,
    private readonly events: AuthorizationEventsRepository,
    private readonly apps: TiktokApps,
    private readonly shopApps: ShopApps,
  ) {}

  /** `app`: only the shops of this app id (400 `unknown_app` for one not configured). */
  async list(
    filter: { status?: ShopViewStatus; region?: string; tenantId?: string; app?: string },
    page: number,
    limit: number,
  ): Promise<{ shops: AdminShopView[]; page: number; limit: number; total: number }> {
    const { app, ...rest } = filter;
    const { rows, total } = await this.views.adminShops({ ...rest, appKey: appFilter(this.apps, app) }, page, limit);
    return { shops: rows.map((row) => this.toView(row)), page, limit, total };
  }

  /** The shop of app `app` (an app id), or of its only app when none is named: see {@link appKeyOf}. */
  async get(shopId: string, app?: string): Promise<AdminShopView> {
    const row = await this.views.adminShop(shopId, await this.appKeyOf(shopId, app));
    if (!row) throw shopNotFound(shopId);
    return this.toView(row);
  }

  /** The app key of the shop a route addresses by id (see ShopApps): every row counts, as for the admin key. */
  appKeyOf(shopId: string, app?: string): Promise<string> {
    return this.shopApps.appKeyOf(shopId, app);
  }

  /** The shop's events and its authorization's own events (those not about another shop), newest first. */
  async listEvents(
    shopId: string,
    app: string | undefined,
    page: number,
    limit: number,
  ): Promise<{ events: AdminEventView[]; page: number; limit: number }> {
    const appKey = await this.appKeyOf(shopId, app);
    const shop = await this.views.adminShop(shopId, appKey);
    if (!shop) throw shopNotFound(shopId);
    const rows = await this.events.forShop(shopId, appKey, shop.authorization.id, page, limit);
    return {
      events: rows.map((row) => ({
        id: String(row.id),
        type: row.type,
        shop_id: row.shopId,
        detail: row.detail,
        created_at: row.createdAt.toISOString(),
      })),
      page,
      limit,
    };
  }

  private toView({ shop, authorization, viewStatus }: AdminShopRow): AdminShopView {
    return {
      shop_id: shop.id,
      app: this.apps.idOf(shop.appKey),
      shop_name: shop.name,
      region: shop.region,
      seller_type: shop.sellerType,
      status: viewStatus,
      authorization_id: authorization.id,
      tenant_id: authorization.tenantId,
      authorization_status: authorization.status,
      open_id: authorization.openId,
      seller_name: authorization.sellerName,
      granted_scopes: authorization.grantedScopes,
      ...refreshStateView(authorization),
    };
  }
}
