import { Global, Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { AppConfig } from '../config/app-config';
import { TenantsModule } from '../tenants/tenants.module';
import { AccessSecrets } from './access-secrets';
import { ApiKeysController } from './api-keys.controller';
import { ApiKeysRepository } from './api-keys.repository';
import { ApiKeysService } from './api-keys.service';

@Global()
@Module({
  imports: [AuditModule, TenantsModule],
  controllers: [ApiKeysController],
  providers: [
    { provide: AccessSecrets, inject: [AppConfig], useFactory: (config: AppConfig) => AccessSecrets.fromConfig(config) },
    ApiKeysRepository,
    ApiKeysService,
  ],
  exports: [ApiKeysService],
})
export class AccessModule {}
