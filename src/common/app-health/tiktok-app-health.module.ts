import { Global, Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { TiktokAppHealth } from './tiktok-app-health';

/** One {@link TiktokAppHealth} per application instance: the TikTok client writes it, refreshes and probes read it. */
@Global()
@Module({
  providers: [{ provide: TiktokAppHealth, inject: [AppConfig], useFactory: (config: AppConfig) => new TiktokAppHealth(config) }],
  exports: [TiktokAppHealth],
})
export class TiktokAppHealthModule {}
