import { DynamicModule, Module } from '@nestjs/common';
import { AccessModule } from './access/access.module';
import { AdminModule } from './admin/admin.module';
import { HealthModule } from './health/health.module';
import { HousekeepingModule } from './housekeeping/housekeeping.module';
import { MetricsModule } from './metrics/metrics.module';
import { NotificationsModule } from './notifications/notifications.module';
import { AuthModule } from './auth/auth.module';
import { CacheModule } from './cache/cache.module';
import { TiktokAppHealthModule } from './common/app-health/tiktok-app-health.module';
import { CryptoModule } from './common/crypto/crypto.module';
import { RateLimitModule } from './common/rate-limit/rate-limit.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { ENTITIES } from './entities';
import { PipelineModule } from './pipeline/pipeline.module';
import { SandboxModule } from './sandbox/sandbox.module';
import { ShopOwnersModule } from './shops/shop-owners.module';
import { ShopsModule } from './shops/shops.module';
import { TiktokModule } from './tiktok/tiktok.module';
import { TokensModule } from './tokens/tokens.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    // The emulator is only imported when enabled: with the sandbox off its routes do not exist at all.
    const sandbox = config.sandbox.enabled
      ? [
          SandboxModule.forRoot({
            // One app keeps today's redirect URL; several each register their own (AuthController).
            apps: config.tiktok.apps.map((app) => ({
              id: app.id,
              appKey: app.appKey,
              appSecret: app.appSecret,
              serviceId: app.serviceId,
              redirectUrl: `${config.publicBaseUrl}/auth/callback${config.tiktok.apps.length > 1 ? `/${app.id}` : ''}`,
            })),
            accessTokenTtlSeconds: config.sandbox.accessTokenTtlSeconds,
            refreshTokenTtlSeconds: config.sandbox.refreshTokenTtlSeconds,
          }),
        ]
      : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        CryptoModule,
        TiktokAppHealthModule,
        CacheModule,
        DatabaseModule.forRoot(ENTITIES),
        NotificationsModule,
        MetricsModule,
        AccessModule,
        PipelineModule,
        RateLimitModule,
        TiktokModule,
        ShopsModule,
        ShopOwnersModule,
        AuthModule,
        TokensModule,
        WebhooksModule,
        AdminModule,
        HousekeepingModule,
        HealthModule,
        ...sandbox,
      ],
    };
  }
}
