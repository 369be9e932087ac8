import { ApiProperty } from '@nestjs/swagger';
import { AuthorizationView, AUTHORIZATION_VIEW_STATUSES, AuthorizationViewStatus } from '../authorizations-query.service';
import { STRING_OR_NULL } from '../../openapi/schema-types';
import { RefreshStateResponse } from './refresh-state.dto';

// The OpenAPI shape of GET /admin/authorizations. `implements` the service's view, so a field added there
// and not here fails to compile.

export class AuthorizationResponse extends RefreshStateResponse implements AuthorizationView {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'us', description: 'the app the seller granted (an id of TIKTOK_APPS; `default` with one app)' })
  app!: string;

  @ApiProperty({ ...STRING_OR_NULL, description: 'the tenant that owns the seller and its shops; null: none' })
  tenant_id!: string | null;

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
}

export class AuthorizationListResponse {
  @ApiProperty({ type: [AuthorizationResponse] })
  authorizations!: AuthorizationResponse[];

  @ApiProperty({ ...STRING_OR_NULL, format: 'uuid', description: 'pass as `after` for the next page; null on the last page' })
  next_after!: string | null;
}
