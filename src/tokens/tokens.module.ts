import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { ShopsModule } from '../shops/shops.module';
import { TiktokModule } from '../tiktok/tiktok.module';
import { RefreshScheduler } from './refresh.scheduler';
import { ShopTokensService } from './shop-tokens.service';
import { TokenFastPath } from './token-fast-path';
import { TokenRefresher } from './token-refresher.service';
import { TiktokAppMetrics } from './tiktok-app.metrics';
import { TokensController } from './tokens.controller';
import { UnsavedPairs } from './unsaved-pairs';

@Module({
  imports: [ScheduleModule.forRoot(), ShopsModule, TiktokModule],
  controllers: [TokensController],
  providers: [TokenRefresher, UnsavedPairs, ShopTokensService, RefreshScheduler, TokenFastPath, TiktokAppMetrics],
  exports: [TokenRefresher, RefreshScheduler, TokenFastPath],
})
export class TokensModule {}
