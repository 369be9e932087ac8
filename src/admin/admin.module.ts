import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { ShopsModule } from '../shops/shops.module';
import { TokensModule } from '../tokens/tokens.module';
import { AdminShopsController } from './admin-shops.controller';
import { AdminShopsService } from './admin-shops.service';
import { AuditController } from './audit.controller';
import { AuthStatusController } from './auth-status.controller';

@Module({
  imports: [AuditModule, ShopsModule, TokensModule],
  controllers: [AdminShopsController, AuditController, AuthStatusController],
  providers: [AdminShopsService],
})
export class AdminModule {}
