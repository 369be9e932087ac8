import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { TiktokAppHealth } from '../common/app-health/tiktok-app-health';
import { TiktokApps } from '../config/tiktok-apps';
import { MetricsService } from '../metrics/metrics.service';

/** Per app: whether TikTok refuses its credentials on this instance (its refreshes paused), read at each scrape. */
@Injectable()
export class TiktokAppMetrics {
  constructor(metrics: MetricsService, apps: TiktokApps, health: TiktokAppHealth) {
    new Gauge({
      name: 'tts_tiktok_app_failing',
      help: "1 while TikTok refuses the app's credentials (key, secret or signature) and its refreshes back off, else 0.",
      labelNames: ['app'] as const,
      registers: [metrics.registry],
      collect() {
        for (const app of apps.all) this.set({ app: app.id }, health.isFailing(app.appKey) ? 1 : 0);
      },
    });
  }
}
