import { ApiProperty } from '@nestjs/swagger';
import { IsDefined, IsString, Matches, ValidateIf } from 'class-validator';
import { TENANT_ID_PATTERN, TENANT_ID_REGEXP, TENANT_ID_RULE } from '../../common/ids';
import { STRING_OR_NULL } from '../../openapi/schema-types';
import type { AuthorizationViewStatus, ShopViewStatus } from '../../shops/derived-status';
import { TenantResponse, TenantView } from '../../tenants/dto/tenant.dto';

// The OpenAPI shapes of the tenant routes that compose shops. Each `implements` the view its service returns,
// so a field added there and not here fails to compile.

/** GET /admin/tenants/{tenant_id}. */
export interface TenantDetailView extends TenantView {
  counts: {
    authorizations: Record<AuthorizationViewStatus, number>;
    shops: Record<ShopViewStatus, number>;
  };
}

class AuthorizationCountsResponse implements Record<AuthorizationViewStatus, number> {
  @ApiProperty({ type: 'integer' })
  active!: number;

  @ApiProperty({ type: 'integer', description: 'active, ending within 30 days' })
  expiring!: number;

  @ApiProperty({ type: 'integer' })
  reauthorization_required!: number;

  @ApiProperty({ type: 'integer' })
  revoked!: number;
}

class ShopCountsResponse extends AuthorizationCountsResponse implements Record<ShopViewStatus, number> {
  @ApiProperty({ type: 'integer' })
  deauthorized!: number;
}

class TenantCountsResponse {
  @ApiProperty({ type: AuthorizationCountsResponse, description: "the tenant's authorizations (sellers) by status" })
  authorizations!: AuthorizationCountsResponse;

  @ApiProperty({ type: ShopCountsResponse, description: "the tenant's shops by status" })
  shops!: ShopCountsResponse;
}

export class TenantDetailResponse extends TenantResponse implements TenantDetailView {
  @ApiProperty({ type: TenantCountsResponse, description: 'every status present, zero included' })
  counts!: TenantCountsResponse;
}

/** One shop an offboarding call revoked, or failed to. */
export interface OffboardingShopReport {
  shop_id: string;
  /** The app the shop is granted to (its id): a shop id granted to two apps is two entries. */
  app: string;
  authorization_id: string;
  result: 'revoked' | 'failed';
  deauthorized_at_tiktok: boolean;
  /** True when it was its authorization's last granted shop: the authorization is revoked, its tokens destroyed. */
  authorization_revoked: boolean;
  /** `tiktok_error` when it failed. */
  error: string | null;
  message: string | null;
}

/** What one DELETE /admin/tenants/{tenant_id} did (a second call reports only what it did itself). */
export interface OffboardingReport {
  tenant_id: string;
  deleted: boolean;
  deauthorize: boolean;
  connect_sessions_cancelled: number;
  shops_revoked: number;
  shops_failed: number;
  authorizations_revoked: number;
  seller_names_erased: number;
  shops: OffboardingShopReport[];
}

export class OffboardingShopResponse implements OffboardingShopReport {
  @ApiProperty()
  shop_id!: string;

  @ApiProperty({
    example: 'us',
    description: 'the app the shop is granted to (an id of TIKTOK_APPS): a shop id granted to two apps is two entries',
  })
  app!: string;

  @ApiProperty({ format: 'uuid' })
  authorization_id!: string;

  @ApiProperty({ enum: ['revoked', 'failed'], description: '`failed`: TikTok did not deauthorize it; nothing of it changed' })
  result!: 'revoked' | 'failed';

  @ApiProperty()
  deauthorized_at_tiktok!: boolean;

  @ApiProperty({ description: "true: it was its authorization's last granted shop; the authorization is revoked, its tokens destroyed" })
  authorization_revoked!: boolean;

  @ApiProperty({ ...STRING_OR_NULL, description: '`tiktok_error` when it failed' })
  error!: string | null;

  @ApiProperty(STRING_OR_NULL)
  message!: string | null;
}

export class OffboardingReportResponse implements OffboardingReport {
  @ApiProperty({ pattern: `^${TENANT_ID_PATTERN}$` })
  tenant_id!: string;

  @ApiProperty({ description: 'true: the tenant row is removed (its sellers belong to no tenant)' })
  deleted!: boolean;

  @ApiProperty({ description: "TikTok's deauthorize was asked for each shop first" })
  deauthorize!: boolean;

  @ApiProperty({ type: 'integer', description: 'pending connect sessions cancelled by this call' })
  connect_sessions_cancelled!: number;

  @ApiProperty({ type: 'integer', description: 'shops revoked by this call' })
  shops_revoked!: number;

  @ApiProperty({ type: 'integer', description: 'shops TikTok did not deauthorize (they stay granted; call again)' })
  shops_failed!: number;

  @ApiProperty({ type: 'integer', description: 'authorizations revoked by this call, their tokens destroyed' })
  authorizations_revoked!: number;

  @ApiProperty({ type: 'integer', description: 'sellers whose name was erased' })
  seller_names_erased!: number;

  @ApiProperty({ type: [OffboardingShopResponse] })
  shops!: OffboardingShopResponse[];
}

/** PUT /admin/authorizations/{id}/tenant. */
export class TransferTenantDto {
  @ApiProperty({
    type: String,
    nullable: true,
    pattern: `^${TENANT_ID_PATTERN}$`,
    description: 'the tenant that gets the seller and its shops; null: no tenant',
    example: 'acme',
  })
  @IsDefined({ message: 'tenant_id is required (null detaches the seller from its tenant)' })
  @ValidateIf((dto: TransferTenantDto) => dto.tenant_id !== null)
  @IsString()
  @Matches(TENANT_ID_REGEXP, { message: `tenant_id must be ${TENANT_ID_RULE} or null` })
  tenant_id!: string | null;
}

/** The answer of a transfer. */
export interface TenantTransferView {
  authorization_id: string;
  /** The app the seller granted (its id). */
  app: string;
  tenant_id: string | null;
  previous_tenant_id: string | null;
  /** The shops the authorization grants, which moved with it. */
  shop_ids: string[];
}

export class TenantTransferResponse implements TenantTransferView {
  @ApiProperty({ format: 'uuid' })
  authorization_id!: string;

  @ApiProperty({ example: 'us', description: 'the app the seller granted (an id of TIKTOK_APPS)' })
  app!: string;

  @ApiProperty(STRING_OR_NULL)
  tenant_id!: string | null;

  @ApiProperty(STRING_OR_NULL)
  previous_tenant_id!: string | null;

  @ApiProperty({ type: [String], description: 'the shops the authorization grants: they moved with it' })
  shop_ids!: string[];
}
