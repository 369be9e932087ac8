import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { toInteger } from '../../common/http/query-transforms';


export class TokenQueryDto {
  @IsOptional() @Transform(toInteger) @IsInt({ message: 'min_ttl must be a whole number of seconds' }) @Min(0) @Max(86400)
  min_ttl?: number;
}

export class ListShopsQueryDto {
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  /** Cursor: the last shop_id of the previous page. */
  @IsOptional() @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'after must be a shop id' })
  after?: string;
}

export interface ShopTokenResponse {
  shop_id: string;
  shop_cipher: string;
  access_token: string;
  expires_at: string;
  open_id: string;
  seller_name: string | null;
  region: string;
}

export type ShopStatusView = 'active' | 'expiring' | 'reauthorization_required' | 'revoked' | 'deauthorized';

export interface ShopView {
  shop_id: string;
  shop_name: string;
  region: string;
  shop_cipher: string;
  status: ShopStatusView;
  open_id: string;
  seller_name: string | null;
  access_token_expires_at: string | null;
  authorization_expires_at: string | null;
}
