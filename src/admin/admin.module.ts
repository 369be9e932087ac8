import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ShopsModule } from '../shops/shops.module';
import { TenantsModule } from '../tenants/tenants.module';
import { TokensModule } from '../tokens/tokens.module';
import { AdminShopsController } from './admin-shops.controller';
import { AdminShopsService } from './admin-shops.service';
import { AdminTenantsController } from './admin-tenants.controller';
import { AdminTenantsService } from './admin-tenants.service';
import { AuditController } from './audit.controller';
import { AuthStatusController } from './auth-status.controller';
import { AuthorizationTenantController } from './authorization-tenant.controller';
import { TenantOffboardingService } from './tenant-offboarding.service';

@Module({
  imports: [AuditModule, ShopsModule, TenantsModule, TokensModule],
  controllers: [AdminShopsController, AdminTenantsController, AuthorizationTenantController, AuditController, AuthStatusController],
  providers: [AdminShopsService, AdminTenantsService, TenantOffboardingService],
})
export class AdminModule {}
