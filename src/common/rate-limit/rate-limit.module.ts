import { ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../../config/app-config';
import { PublicRouteThrottlerGuard } from './public-route-throttler.guard';
import { isWebhookRoute, RATE_LIMIT_WINDOW_MS } from './rate-limited-routes';

/**
 * RATE_LIMIT_PER_MINUTE per client address on each public route. Counters live in this process: with N
 * replicas behind a load balancer a client gets up to N times the limit, which is enough to stop a flood.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          {
            name: 'default',
            ttl: RATE_LIMIT_WINDOW_MS,
            limit: (context: ExecutionContext) =>
              isWebhookRoute(context) ? config.rateLimit.webhooksPerMinute : config.rateLimit.perMinute,
          },
        ],
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: PublicRouteThrottlerGuard }],
})
export class RateLimitModule {}
