import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { STRING_OR_NULL } from '../../openapi/schema-types';

/**
 * What TikTok appends to the redirect URL. Each field is a single string (a repeated parameter arrives as
 * an array and is rejected). TikTok adds parameters over time (app_key, locale, shop_region...), so unknown
 * ones are ignored rather than refused.
 */
export class CallbackQueryDto {
  @ApiPropertyOptional({ maxLength: 1024, description: 'the authorization code TikTok issued' })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  code?: string;

  @ApiPropertyOptional({ maxLength: 512, description: 'the state GET /auth/tiktok created, bound to this browser' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  state?: string;

  @ApiPropertyOptional({
    maxLength: 64,
    pattern: '^[A-Za-z0-9_.-]+$',
    description: 'set by TikTok instead of a code when the consent failed',
  })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9_.-]+$/, { message: 'error must be a short error code' })
  error?: string;
}

/** What a completed consent connected (the JSON answer leaves out `authorization_id` and `re_granted`). */
export interface ConnectedSeller {
  authorization_id: string;
  /** The app the seller authorized (its id in TIKTOK_APPS). */
  app: string;
  open_id: string;
  seller_name: string | null;
  re_granted: boolean;
  /** The connect session's tenant; null: an anonymous consent. */
  tenant_id: string | null;
  shops: { shop_id: string; shop_name: string; region: string; cipher: string }[];
  /** Shops the seller granted that are owned through another tenant: they stayed there. */
  conflicting_shop_ids: string[];
}

class ConnectedShop {
  @ApiProperty()
  shop_id!: string;

  @ApiProperty()
  shop_name!: string;

  @ApiProperty({ example: 'GB' })
  region!: string;

  @ApiProperty({ description: 'the shop_cipher parameter of TikTok Shop API calls' })
  cipher!: string;
}

/** The callback's JSON answer (`Accept: application/json`). */
export class ConnectedSellerResponse implements Pick<
  ConnectedSeller,
  'app' | 'open_id' | 'seller_name' | 'tenant_id' | 'shops' | 'conflicting_shop_ids'
> {
  @ApiProperty({ description: 'the app the seller authorized, an id of TIKTOK_APPS (`default` with one app)', example: 'us' })
  app!: string;

  @ApiProperty()
  open_id!: string;

  @ApiProperty(STRING_OR_NULL)
  seller_name!: string | null;

  @ApiProperty({
    ...STRING_OR_NULL,
    description: "the connect session's tenant, which the seller now belongs to; null: an anonymous consent",
  })
  tenant_id!: string | null;

  @ApiProperty({ type: [ConnectedShop], description: 'the shops this consent connected' })
  shops!: ConnectedShop[];

  @ApiProperty({
    type: [String],
    description: 'shops the seller granted that are owned through another tenant: they stay there until an admin moves them',
  })
  conflicting_shop_ids!: string[];
}
