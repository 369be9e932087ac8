import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AuthorizationEventsRepository } from './authorization-events.repository';
import { AdminShopRow, AuthorizationViewsRepository } from './authorization-views.repository';
import type { ShopViewStatus } from './derived-status';
import { refreshStateView, RefreshStateView } from './refresh-state';

export { SHOP_VIEW_STATUSES } from './derived-status';
export type { ShopViewStatus } from './derived-status';

/** What a shop is, who granted it, and where its authorization's refreshes stand. */
export interface AdminShopView extends RefreshStateView {
  shop_id: string;
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
  ) {}

  async list(
    filter: { status?: ShopViewStatus; region?: string; tenantId?: string },
    page: number,
    limit: number,
  ): Promise<{ shops: AdminShopView[]; page: number; limit: number; total: number }> {
    const { rows, total } = await this.views.adminShops(filter, page, limit);
    return { shops: rows.map(toView), page, limit, total };
  }

  async get(shopId: string): Promise<AdminShopView> {
    const row = await this.views.adminShop(shopId);
    if (!row) throw new AppError(ErrorCode.ShopNotFound, `no authorized shop ${shopId}`);
    return toView(row);
  }

  /** The shop's events and its authorization's own events (those not about another shop), newest first. */
  async listEvents(shopId: string, page: number, limit: number): Promise<{ events: AdminEventView[]; page: number; limit: number }> {
    const shop = await this.get(shopId);
    const rows = await this.events.forShop(shopId, shop.authorization_id, page, limit);
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
}

function toView({ shop, authorization, viewStatus }: AdminShopRow): AdminShopView {
  return {
    shop_id: shop.id,
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
