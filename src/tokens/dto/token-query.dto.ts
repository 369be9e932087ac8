import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { APP_ID_PATTERN } from '../../config/tiktok-apps';
import { toInteger } from '../../common/http/query-transforms';
import { SHOP_VIEW_STATUSES, ShopViewStatus } from '../../shops/derived-status';
import { SHOP_ID_PATTERN, SHOP_ID_REGEXP, TENANT_ID_PATTERN, TENANT_ID_REGEXP, TENANT_ID_RULE } from '../../common/ids';

/** The largest min_ttl a caller may ask for: a day. */
export const MAX_MIN_TTL_SECONDS = 86400;

/** `?app=`: an app id of TIKTOK_APPS; any other value is 400 `unknown_app` (which does not list the configured apps). */
export class AppQueryDto {
  @ApiPropertyOptional({
    pattern: `^${APP_ID_PATTERN}$`,
    example: 'us',
    description:
      "the app whose shop is meant (an id of TIKTOK_APPS; `default` with one app configured the single-app way). Needed only for a shop id granted to more than one app: without it that is 400 `app_required`, whose `apps` lists them. For a tenant-scoped key only its tenants' shops count. Unknown: 400 `unknown_app`",
  })
  @IsOptional()
  @IsString({ message: 'app must be one app id' })
  app?: string;
}

export class TokenQueryDto extends AppQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_MIN_TTL_SECONDS,
    description: 'seconds the token must stay valid at least; default TOKEN_MIN_TTL_SECONDS',
  })
  @IsOptional()
  @Transform(toInteger)
  @IsInt({ message: 'min_ttl must be a whole number of seconds' })
  @Min(0)
  @Max(MAX_MIN_TTL_SECONDS)
  min_ttl?: number;
}

export class ListShopsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 1000 })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** Cursor: the last shop_id of the previous page. */
  @ApiPropertyOptional({ pattern: `^${SHOP_ID_PATTERN}$`, description: 'the last shop_id of the previous page' })
  @IsOptional()
  @Matches(SHOP_ID_REGEXP, { message: 'after must be a shop id' })
  after?: string;

  @ApiPropertyOptional({ pattern: `^${TENANT_ID_PATTERN}$`, description: "only this tenant's shops (among those the key may see)" })
  @IsOptional()
  @Matches(TENANT_ID_REGEXP, { message: `tenant_id must be ${TENANT_ID_RULE}` })
  tenant_id?: string;

  @ApiPropertyOptional({
    pattern: `^${APP_ID_PATTERN}$`,
    example: 'us',
    description: "only this app's shops (an id of TIKTOK_APPS); unknown: 400 `unknown_app`",
  })
  @IsOptional()
  @IsString({ message: 'app must be one app id' })
  app?: string;
}

export class ShopTokenResponse {
  @ApiProperty()
  shop_id!: string;

  @ApiProperty({ example: 'default', description: 'the app (an id of TIKTOK_APPS) whose shop and token this is; `default` with one app' })
  app!: string;

  @ApiProperty({ description: 'the shop_cipher parameter of TikTok Shop API calls' })
  shop_cipher!: string;

  @ApiProperty({ description: 'the x-tts-access-token for calls about this shop; never the refresh token' })
  access_token!: string;

  @ApiProperty({ format: 'date-time' })
  expires_at!: string;

  @ApiProperty()
  open_id!: string;

  @ApiProperty({ type: String, nullable: true })
  seller_name!: string | null;

  @ApiProperty({ example: 'GB' })
  region!: string;

  @ApiProperty({ type: String, nullable: true, description: 'the tenant that owns the shop; null: none' })
  tenant_id!: string | null;
}

export class ShopView {
  @ApiProperty({ description: 'a shop id granted to several apps is listed once per app' })
  shop_id!: string;

  @ApiProperty({ example: 'default', description: 'the app (an id of TIKTOK_APPS) the shop is granted to; `default` with one app' })
  app!: string;

  @ApiProperty({ type: String, nullable: true, description: 'the tenant that owns the shop; null: none' })
  tenant_id!: string | null;

  @ApiProperty()
  shop_name!: string;

  @ApiProperty()
  region!: string;

  @ApiProperty()
  shop_cipher!: string;

  @ApiProperty({ enum: SHOP_VIEW_STATUSES, description: '`expiring`: the authorization ends within 30 days' })
  status!: ShopViewStatus;

  @ApiProperty()
  open_id!: string;

  @ApiProperty({ type: String, nullable: true })
  seller_name!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  access_token_expires_at!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  authorization_expires_at!: string | null;
}

export class ShopListResponse {
  @ApiProperty({ type: [ShopView] })
  shops!: ShopView[];

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      "pass as `after` for the next page; null on the last page. A page never ends inside a shop id: a full one also has its last shop id's other apps",
  })
  next_after!: string | null;
}
