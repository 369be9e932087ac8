import { Body, Controller, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Caller, CurrentCaller } from '../access/caller';
import { ErrorCode } from '../common/errors/app-error';
import { ServiceAccess } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { RequirePermission } from '../pipeline/machine-route';
import { ConnectSessionsService } from './connect-sessions.service';
import { ConnectSessionResponse, CreateConnectSessionDto } from './dto/connect-session.dto';

@ApiTags('connect')
@Controller('v1/connect-sessions')
@ServiceAccess()
export class ConnectSessionsController {
  constructor(private readonly sessions: ConnectSessionsService) {}

  @Post()
  @RequirePermission('connect')
  @ApiOperation({
    summary: "Create a connect link for a tenant's merchant: the seller who consents through it belongs to the tenant",
    description:
      'The admin key, or a service key with the `connect` permission for this tenant (any other tenant: 403 `forbidden`). ' +
      'Send the merchant to `url`: it works for CONNECT_SESSION_TTL_SECONDS and until one consent completes through it. ' +
      "The seller authorizes the session's `app` (default: the first of TIKTOK_APPS).",
  })
  @ApiCreatedResponse({ type: ConnectSessionResponse })
  @ApiErrors(ErrorCode.ReturnUrlNotAllowed, ErrorCode.UnknownApp, ErrorCode.TenantNotFound)
  create(@Body() body: CreateConnectSessionDto, @CurrentCaller() caller: Caller): Promise<ConnectSessionResponse> {
    return this.sessions.create(caller, body);
  }
}
