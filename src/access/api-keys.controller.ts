import { Body, Controller, Delete, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ErrorCode } from '../common/errors/app-error';
import { UuidParam } from '../common/http/params';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { AdminAccess } from '../common/http/route-access';
import { ApiKeysService } from './api-keys.service';
import { actorKeyId, Caller, CurrentCaller } from './caller';
import { ApiKeyListResponse, ApiKeyView, CreateApiKeyDto, CreatedApiKey } from './dto/create-api-key.dto';

@ApiTags('admin')
@Controller('admin/api-keys')
@AdminAccess()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: "Create a service key, optionally limited to some shops or to some tenants' shops; the key is shown once (audited)",
    description:
      '`shop_ids` or `tenant_ids`, not both (400 `invalid_request`). A key with `tenant_ids` sees every shop of those tenants, also ' +
      'those connected after it was made, and no other. `permissions` (default `["tokens"]`): `tokens` for the token and shop ' +
      'routes, `connect` for connect sessions of its tenants (only with `tenant_ids`).',
  })
  @ApiCreatedResponse({ type: CreatedApiKey })
  @ApiErrors(ErrorCode.InvalidRequest, ErrorCode.TenantNotFound)
  create(@Body() body: CreateApiKeyDto, @CurrentCaller() caller: Caller): Promise<CreatedApiKey> {
    return this.keys.create(body, actorKeyId(caller));
  }

  @Get()
  @ApiOperation({ summary: 'The service keys, without secrets' })
  @ApiOkResponse({ type: ApiKeyListResponse })
  async list(): Promise<{ api_keys: ApiKeyView[] }> {
    return { api_keys: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a service key; every replica refuses it at once (audited)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'deleted' })
  @ApiErrors(ErrorCode.ApiKeyNotFound)
  remove(@UuidParam('id', ErrorCode.ApiKeyNotFound, 'no API key with this id') id: string, @CurrentCaller() caller: Caller): Promise<void> {
    return this.keys.remove(id, actorKeyId(caller));
  }
}
