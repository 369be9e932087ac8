import { Body, Controller, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { actorKeyId, Caller, CurrentCaller } from '../access/caller';
import { ErrorCode } from '../common/errors/app-error';
import { UuidParam } from '../common/http/params';
import { AdminAccess } from '../common/http/route-access';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { AdminTenantsService } from './admin-tenants.service';
import { TenantTransferResponse, TenantTransferView, TransferTenantDto } from './dto/tenant-admin.dto';

@ApiTags('admin')
@Controller('admin/authorizations')
@AdminAccess()
export class AuthorizationTenantController {
  constructor(private readonly tenants: AdminTenantsService) {}

  @Put(':id/tenant')
  @ApiOperation({
    summary: 'Move a seller (its authorization and shops) to a tenant, or to none with null (audited)',
    description:
      'How sellers connected before tenants existed get one, and how an ownership conflict is resolved. Keys scoped to ' +
      'the previous tenant lose the shops at once on every replica; an event `tenant_changed` records `{ from, to }`.',
  })
  @ApiParam({ name: 'id', format: 'uuid', description: 'the authorization id' })
  @ApiOkResponse({ type: TenantTransferResponse })
  @ApiErrors(ErrorCode.AuthorizationNotFound, ErrorCode.TenantNotFound)
  transfer(
    @UuidParam('id', ErrorCode.AuthorizationNotFound, 'no authorization with this id') id: string,
    @Body() body: TransferTenantDto,
    @CurrentCaller() caller: Caller,
  ): Promise<TenantTransferView> {
    return this.tenants.transfer(id, body.tenant_id, actorKeyId(caller));
  }
}
