import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuditService } from '../audit/audit.service';
import { AuditEventListResponse, AuditEventView } from '../audit/dto/audit-event.dto';
import { ErrorCode } from '../common/errors/app-error';
import { AdminAccess } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { PageQueryDto } from './dto/admin-query.dto';

@ApiTags('admin')
@Controller('admin/audit')
@AdminAccess()
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @ApiOperation({
    summary: 'The audit log: every admin action that changed state, by the acting key id, newest first',
    description:
      'API keys created and deleted, shops revoked, refreshes forced. `actor_key_id` is `admin` for the admin key ' +
      '(ADMIN_API_KEY has no id), else the API key id; never a key, token or secret.',
  })
  @ApiOkResponse({ type: AuditEventListResponse })
  @ApiErrors(ErrorCode.InvalidRequest)
  list(@Query() query: PageQueryDto): Promise<{ events: AuditEventView[]; page: number; limit: number }> {
    return this.audit.list(query.page ?? 1, query.limit ?? 50);
  }
}
