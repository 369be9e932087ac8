import { Body, Controller, Delete, Get, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiExtraModels, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { actorKeyId, Caller, CurrentCaller } from '../access/caller';
import { ErrorCode } from '../common/errors/app-error';
import { ApiTenantIdParam, TenantIdParam } from '../common/http/params';
import { AdminAccess } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { ERROR_RESPONSE_SCHEMA } from '../openapi/error-responses';
import { ListTenantsQueryDto, PutTenantDto, TenantListResponse, TenantResponse, TenantView } from '../tenants/dto/tenant.dto';
import { TenantsService } from '../tenants/tenants.service';
import { AdminTenantsService } from './admin-tenants.service';
import { RevokeQueryDto } from './dto/admin-query.dto';
import { OffboardingReport, OffboardingReportResponse, TenantDetailResponse, TenantDetailView } from './dto/tenant-admin.dto';
import { TenantOffboardingService } from './tenant-offboarding.service';

/** The 502 of an offboarding: the error, and the report of what this call did. */
const OFFBOARDING_FAILED = {
  status: 502,
  description:
    '`tiktok_error`: TikTok did not deauthorize some shops (`result: failed` in `shops`). What succeeded stays done and ' +
    'the tenant is kept: call again to finish.',
  content: {
    'application/json': {
      schema: {
        allOf: [
          { $ref: `#/components/schemas/${ERROR_RESPONSE_SCHEMA}` },
          {
            type: 'object',
            properties: { statusCode: { type: 'integer', enum: [502] }, error: { type: 'string', enum: [ErrorCode.TiktokError] } },
          },
          { $ref: getSchemaPath(OffboardingReportResponse) },
        ],
      },
    },
  },
};

@ApiTags('admin')
@Controller('admin/tenants')
@AdminAccess()
@ApiExtraModels(OffboardingReportResponse)
export class AdminTenantsController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly admin: AdminTenantsService,
    private readonly offboarding: TenantOffboardingService,
  ) {}

  @Put(':tenant_id')
  @ApiOperation({
    summary: 'Create or update a tenant, a customer of the product (idempotent; audited)',
    description:
      '201 when created, 200 when updated. `metadata` replaces the stored one when given; omitted on an update, the stored ' +
      'metadata is kept. A PUT that changes nothing leaves `updated_at` as it was.',
  })
  @ApiTenantIdParam()
  @ApiCreatedResponse({ type: TenantResponse, description: 'created' })
  @ApiOkResponse({ type: TenantResponse, description: 'updated (or unchanged)' })
  async put(
    @TenantIdParam() tenantId: string,
    @Body() body: PutTenantDto,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TenantView> {
    const { tenant, created } = await this.tenants.put(tenantId, body, actorKeyId(caller));
    response.status(created ? 201 : 200);
    return tenant;
  }

  @Get()
  @ApiOperation({ summary: 'The tenants in tenant_id order (pages of up to 1,000: `limit`, `after`)' })
  @ApiOkResponse({ type: TenantListResponse })
  list(@Query() query: ListTenantsQueryDto): Promise<{ tenants: TenantView[]; next_after: string | null }> {
    return this.tenants.list(query.limit ?? 100, query.after);
  }

  @Get(':tenant_id')
  @ApiOperation({ summary: 'One tenant, with its authorizations (sellers) and shops counted by status' })
  @ApiTenantIdParam()
  @ApiOkResponse({ type: TenantDetailResponse })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.TenantNotFound)
  get(@TenantIdParam() tenantId: string): Promise<TenantDetailView> {
    return this.admin.get(tenantId);
  }

  @Delete(':tenant_id')
  @ApiOperation({
    summary: "Offboard a tenant: revoke its sellers' shops and authorizations, erase their names, remove it (resumable; audited)",
    description:
      'Cancels its pending connect sessions; revokes each of its shops as `DELETE /admin/shops/{shop_id}` does (with ' +
      "`deauthorize=true` TikTok's deauthorize is called per shop first) and every authorization, destroying its tokens; " +
      'erases the seller names (also from notifications); then removes the tenant (its sellers belong to no tenant). ' +
      'Events and audit records keep ids and types, never names. If TikTok fails for some shops: 502 with the per-shop ' +
      'report, what succeeded stays done, the tenant is kept, and calling again finishes the rest. Once removed, the ' +
      'tenant is unknown: a repeated call answers 404.',
  })
  @ApiTenantIdParam()
  @ApiOkResponse({ type: OffboardingReportResponse })
  @ApiResponse(OFFBOARDING_FAILED)
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.TenantNotFound)
  remove(@TenantIdParam() tenantId: string, @Query() query: RevokeQueryDto, @CurrentCaller() caller: Caller): Promise<OffboardingReport> {
    return this.offboarding.offboard(tenantId, query.deauthorize === 'true', actorKeyId(caller));
  }
}
