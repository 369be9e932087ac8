import { Module } from '@nestjs/common';
import { ShopsModule } from '../shops/shops.module';
import { TokensModule } from '../tokens/tokens.module';
import { AdminShopsController } from './admin-shops.controller';
import { AdminShopsService } from './admin-shops.service';
import { AuthStatusController } from './auth-status.controller';

@Module({
  imports: [ShopsModule, TokensModule],
  controllers: [AdminShopsController, AuthStatusController],
  providers: [AdminShopsService],
})
export class AdminModule {}
