import { ApiProperty } from '@nestjs/swagger';
import { AuthorizationView, AUTHORIZATION_VIEW_STATUSES, AuthorizationViewStatus } from '../authorizations-query.service';
import { DATE_TIME_OR_NULL, STRING_OR_NULL } from '../../openapi/schema-types';

// The OpenAPI shape of GET /admin/authorizations. `implements` the service's view, so a field added there
// and not here fails to compile.

export class AuthorizationResponse implements AuthorizationView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  open_id!: string;

  @ApiProperty(STRING_OR_NULL)
  seller_name!: string | null;

  @ApiProperty(STRING_OR_NULL)
  seller_base_region!: string | null;

  @ApiProperty({ enum: AUTHORIZATION_VIEW_STATUSES, description: '`expiring`: ends within 30 days' })
  status!: AuthorizationViewStatus;

  @ApiProperty({ type: [String] })
  granted_scopes!: string[];

  @ApiProperty({ type: [String] })
  shop_ids!: string[];

  @ApiProperty(DATE_TIME_OR_NULL)
  access_token_expires_at!: string | null;

  @ApiProperty(DATE_TIME_OR_NULL)
  authorization_expires_at!: string | null;

  @ApiProperty(DATE_TIME_OR_NULL)
  last_refreshed_at!: string | null;

  @ApiProperty({ type: 'integer' })
  refresh_failures!: number;

  @ApiProperty(STRING_OR_NULL)
  last_refresh_error!: string | null;

  @ApiProperty(DATE_TIME_OR_NULL)
  next_refresh_at!: string | null;
}

export class AuthorizationListResponse {
  @ApiProperty({ type: [AuthorizationResponse] })
  authorizations!: AuthorizationResponse[];

  @ApiProperty({ ...STRING_OR_NULL, format: 'uuid', description: 'pass as `after` for the next page; null on the last page' })
  next_after!: string | null;
}
