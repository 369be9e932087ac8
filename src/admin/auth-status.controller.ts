import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/app-error';
import { AdminAccess } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { AuthorizationsQueryService, AuthStatusEntry } from '../shops/authorizations-query.service';
import { AuthStatusQueryDto } from './dto/admin-query.dto';
import { AuthStatusResponse } from './dto/admin-responses.dto';

const DEFAULT_LIMIT = 1000;

/**
 * The summary the original single-seller design exposed, one entry per authorization in creation order. Admin
 * only: it lists every seller. Paged (`limit`, `after`), so that its answer stays bounded with any number of
 * sellers; a caller that ignores `next_after` sees the first 1,000, as before for all but large seller bases.
 */
@ApiTags('admin')
@Controller('auth/status')
@AdminAccess()
export class AuthStatusController {
  constructor(private readonly authorizations: AuthorizationsQueryService) {}

  @Get()
  @ApiOperation({ summary: 'One entry per seller authorization: its app, status, expiries, shops (pages of up to 1,000)' })
  @ApiOkResponse({ type: AuthStatusResponse })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.UnknownApp)
  status(@Query() query: AuthStatusQueryDto = {}): Promise<{ authorizations: AuthStatusEntry[]; next_after: string | null }> {
    return this.authorizations.authStatus(query.limit ?? DEFAULT_LIMIT, query.after, query.app);
  }
}
