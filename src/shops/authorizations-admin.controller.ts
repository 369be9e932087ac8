import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID, Max, Min, IsInt, Matches, IsString } from 'class-validator';
import { Transform } from 'class-transformer';
import { ErrorCode } from '../common/errors/app-error';
import { AdminAccess } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { toInteger } from '../common/http/query-transforms';
import { TENANT_ID_PATTERN, TENANT_ID_REGEXP, TENANT_ID_RULE } from '../common/ids';
import { AuthorizationView, AuthorizationsQueryService, AUTHORIZATION_VIEW_STATUSES } from './authorizations-query.service';
import { AuthorizationListResponse } from './dto/authorization-view.dto';

class ListAuthorizationsQueryDto {
  @ApiPropertyOptional({ enum: AUTHORIZATION_VIEW_STATUSES, description: '`expiring`: ends within 30 days' })
  @IsOptional()
  @IsIn(AUTHORIZATION_VIEW_STATUSES)
  status?: (typeof AUTHORIZATION_VIEW_STATUSES)[number];

  @ApiPropertyOptional({ pattern: `^${TENANT_ID_PATTERN}$`, description: "only this tenant's authorizations" })
  @IsOptional()
  @Matches(TENANT_ID_REGEXP, { message: `tenant_id must be ${TENANT_ID_RULE}` })
  tenant_id?: string;

  @ApiPropertyOptional({
    description: "only this app's authorizations, an id of TIKTOK_APPS (`default` with one app); unknown: 400 `unknown_app`",
  })
  @IsOptional()
  @IsString()
  app?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  /** Cursor: the last id of the previous page. */
  @ApiPropertyOptional({ format: 'uuid', description: 'the last id of the previous page' })
  @IsOptional()
  @IsUUID()
  after?: string;
}

@ApiTags('admin')
@Controller('admin/authorizations')
@AdminAccess()
export class AuthorizationsAdminController {
  constructor(private readonly authorizations: AuthorizationsQueryService) {}

  @Get()
  @ApiOperation({ summary: "Sellers' authorizations: status, expiries, shops, failures and last error" })
  @ApiOkResponse({ type: AuthorizationListResponse })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.UnknownApp)
  list(@Query() query: ListAuthorizationsQueryDto): Promise<{ authorizations: AuthorizationView[]; next_after: string | null }> {
    return this.authorizations.list({ status: query.status, tenantId: query.tenant_id, app: query.app }, query.limit ?? 100, query.after);
  }
}
