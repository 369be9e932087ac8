import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { toInteger } from '../../common/http/query-transforms';
import { TENANT_ID_PATTERN, TENANT_ID_REGEXP, TENANT_ID_RULE } from '../../common/ids';
import { SHOP_VIEW_STATUSES, ShopViewStatus } from '../../shops/shops-query.service';

/** The OpenAPI description of an `app` query parameter that filters a listing. */
export const APP_FILTER_DESCRIPTION = 'only those of this app, an id of TIKTOK_APPS (`default` with one app); unknown: 400 `unknown_app`';

/** The OpenAPI description of the `app` of a route that addresses a shop by id. */
export const SHOP_APP_DESCRIPTION =
  'the app the shop is granted to, an id of TIKTOK_APPS; required (400 `app_required`) only when the shop id is granted to ' +
  'several apps; unknown: 400 `unknown_app`';

/** `?app=` of a route addressing one shop by id (GET /admin/shops/{shop_id}, its refresh). */
export class ShopAppQueryDto {
  @ApiPropertyOptional({ description: SHOP_APP_DESCRIPTION })
  @IsOptional()
  @IsString()
  app?: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100000, default: 1 })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(100000)
  page?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}

export class ListShopsAdminQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: SHOP_VIEW_STATUSES, description: '`expiring`: the authorization ends within 30 days' })
  @IsOptional()
  @IsIn(SHOP_VIEW_STATUSES)
  status?: ShopViewStatus;

  @ApiPropertyOptional({ pattern: '^[A-Z]{2,3}$', description: 'a 2-3 letter region code, e.g. GB' })
  @IsOptional()
  @Matches(/^[A-Z]{2,3}$/, { message: 'region must be a 2-3 letter upper-case region code' })
  region?: string;

  @ApiPropertyOptional({ pattern: `^${TENANT_ID_PATTERN}$`, description: "only this tenant's shops" })
  @IsOptional()
  @Matches(TENANT_ID_REGEXP, { message: `tenant_id must be ${TENANT_ID_RULE}` })
  tenant_id?: string;

  @ApiPropertyOptional({ description: APP_FILTER_DESCRIPTION })
  @IsOptional()
  @IsString()
  app?: string;
}

/** The events of one shop: pages, and the shop's app. */
export class ShopEventsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: SHOP_APP_DESCRIPTION })
  @IsOptional()
  @IsString()
  app?: string;
}

export class RevokeQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'also ask TikTok to deauthorize the shop first' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'deauthorize must be true or false' })
  deauthorize?: 'true' | 'false';
}

/** DELETE /admin/shops/{shop_id}: as for a tenant, and the shop's app. */
export class RevokeShopQueryDto extends RevokeQueryDto {
  @ApiPropertyOptional({ description: SHOP_APP_DESCRIPTION })
  @IsOptional()
  @IsString()
  app?: string;
}

/** GET /auth/status: keyset pages in creation order. */
export class AuthStatusQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 1000 })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ format: 'uuid', description: '`next_after` of the previous page (an authorization_id)' })
  @IsOptional()
  @IsUUID()
  after?: string;

  @ApiPropertyOptional({ description: "only this app's authorizations: an id of TIKTOK_APPS (else 400 `unknown_app`)", example: 'us' })
  @IsOptional()
  @IsString()
  app?: string;
}
