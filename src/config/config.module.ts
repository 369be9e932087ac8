import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';
import { TiktokApps } from './tiktok-apps';

/** Makes the one validated {@link AppConfig}, and the apps it configures, injectable everywhere. */
@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: TiktokApps, useValue: new TiktokApps(config.tiktok.apps) },
      ],
      exports: [AppConfig, TiktokApps],
    };
  }
}
