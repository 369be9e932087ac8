import { ApiProperty } from '@nestjs/swagger';
import type { RevocationResult } from '../../shops/revocation.service';
import { AdminEventView, AdminShopView, SHOP_VIEW_STATUSES, ShopViewStatus } from '../../shops/shops-query.service';
import type { AuthStatusEntry } from '../../shops/authorizations-query.service';
import { DATE_TIME_OR_NULL, STRING_OR_NULL } from '../../openapi/schema-types';
import { RefreshStateResponse } from '../../shops/dto/refresh-state.dto';

// The OpenAPI shapes of the admin answers. Each `implements` the view its service returns, so a field added
// there and not here fails to compile.

export class AdminShopResponse extends RefreshStateResponse implements AdminShopView {
  @ApiProperty()
  shop_id!: string;

  @ApiProperty({ example: 'us', description: 'the app the shop is granted to (an id of TIKTOK_APPS; `default` with one app)' })
  app!: string;

  @ApiProperty()
  shop_name!: string;

  @ApiProperty({ example: 'GB' })
  region!: string;

  @ApiProperty(STRING_OR_NULL)
  seller_type!: string | null;

  @ApiProperty({ enum: SHOP_VIEW_STATUSES })
  status!: ShopViewStatus;

  @ApiProperty({ format: 'uuid' })
  authorization_id!: string;

  @ApiProperty({ ...STRING_OR_NULL, description: 'the tenant that owns the shop (through its authorization); null: none' })
  tenant_id!: string | null;

  @ApiProperty()
  authorization_status!: string;

  @ApiProperty()
  open_id!: string;

  @ApiProperty(STRING_OR_NULL)
  seller_name!: string | null;

  @ApiProperty({ type: [String] })
  granted_scopes!: string[];
}

export class AdminShopRefreshResponse extends AdminShopResponse {
  @ApiProperty({ description: 'true: TikTok issued a new pair (an admin refresh always asks it)' })
  refreshed!: boolean;
}

export class AdminShopListResponse {
  @ApiProperty({ type: [AdminShopResponse] })
  shops!: AdminShopResponse[];

  @ApiProperty({ type: 'integer' })
  page!: number;

  @ApiProperty({ type: 'integer' })
  limit!: number;

  @ApiProperty({ type: 'integer', description: 'shops matching the filters, over all pages' })
  total!: number;
}

export class AdminEventResponse implements AdminEventView {
  @ApiProperty()
  id!: string;

  @ApiProperty({ example: 'refreshed' })
  type!: string;

  @ApiProperty(STRING_OR_NULL)
  shop_id!: string | null;

  @ApiProperty({ type: 'object', additionalProperties: true })
  detail!: Record<string, unknown>;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;
}

export class AdminEventListResponse {
  @ApiProperty({ type: [AdminEventResponse], description: 'newest first' })
  events!: AdminEventResponse[];

  @ApiProperty({ type: 'integer' })
  page!: number;

  @ApiProperty({ type: 'integer' })
  limit!: number;
}

export class RevocationResponse implements RevocationResult {
  @ApiProperty()
  shop_id!: string;

  @ApiProperty({ example: 'us', description: 'the app the shop was granted to (an id of TIKTOK_APPS)' })
  app!: string;

  @ApiProperty({ enum: ['revoked'] })
  status!: 'revoked';

  @ApiProperty({ description: "true: it was the authorization's last active shop, its tokens are destroyed" })
  authorization_revoked!: boolean;

  @ApiProperty()
  already_revoked!: boolean;

  @ApiProperty()
  deauthorized_at_tiktok!: boolean;
}

class AuthStatusShop {
  @ApiProperty()
  shop_id!: string;

  @ApiProperty()
  shop_name!: string;

  @ApiProperty()
  region!: string;

  @ApiProperty()
  status!: string;
}

export class AuthStatusResponseEntry implements AuthStatusEntry {
  @ApiProperty({ format: 'uuid' })
  authorization_id!: string;

  @ApiProperty({ description: 'the app the seller authorized, an id of TIKTOK_APPS (`default` with one app)', example: 'us' })
  app!: string;

  @ApiProperty()
  open_id!: string;

  @ApiProperty(STRING_OR_NULL)
  seller_name!: string | null;

  @ApiProperty()
  status!: string;

  @ApiProperty({ description: 'active with a refresh token' })
  authorized!: boolean;

  @ApiProperty()
  access_token_expired!: boolean;

  @ApiProperty()
  refresh_token_expired!: boolean;

  @ApiProperty(DATE_TIME_OR_NULL)
  expires_at!: string | null;

  @ApiProperty(DATE_TIME_OR_NULL)
  refresh_expires_at!: string | null;

  @ApiProperty({ type: [AuthStatusShop] })
  shops!: AuthStatusShop[];
}

export class AuthStatusResponse {
  @ApiProperty({ type: [AuthStatusResponseEntry] })
  authorizations!: AuthStatusResponseEntry[];

  @ApiProperty({ ...STRING_OR_NULL, description: 'pass as `after` for the next page; null on the last page' })
  next_after!: string | null;
}
