import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { AdminAccess } from './caller';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyView, CreateApiKeyDto, CreatedApiKey } from './dto/create-api-key.dto';

@Controller('admin/api-keys')
@AdminAccess()
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKey> {
    return this.keys.create(body);
  }

  @Get()
  async list(): Promise<{ api_keys: ApiKeyView[] }> {
    return { api_keys: await this.keys.list() };
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string): Promise<void> {
    return this.keys.remove(id);
  }
}
