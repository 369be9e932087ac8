import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { toInteger } from '../../common/http/query-transforms';
import { SHOP_VIEW_STATUSES, ShopViewStatus } from '../../shops/shops-query.service';

export class PageQueryDto {
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(100000)
  page?: number;

  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(500)
  limit?: number;
}

export class ListShopsAdminQueryDto extends PageQueryDto {
  @IsOptional() @IsIn(SHOP_VIEW_STATUSES)
  status?: ShopViewStatus;

  @IsOptional() @Matches(/^[A-Z]{2,3}$/, { message: 'region must be a 2-3 letter upper-case region code' })
  region?: string;
}

export class RevokeQueryDto {
  @IsOptional() @IsIn(['true', 'false'], { message: 'deauthorize must be true or false' })
  deauthorize?: 'true' | 'false';
}
