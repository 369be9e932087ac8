import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { AuthorizationViewsRepository } from './authorization-views.repository';

/** The gauges of stored authorizations, computed when /metrics is scraped. */
@Injectable()
export class ShopsMetrics {
  constructor(metrics: MetricsService, views: AuthorizationViewsRepository) {
    new Gauge({
      name: 'tts_authorizations',
      help: 'Seller authorizations by status (expiring: active but ending within 30 days).',
      labelNames: ['status'] as const,
      registers: [metrics.registry],
      async collect() {
        const counts = await views.countByStatus();
        this.reset();
        for (const [status, n] of Object.entries(counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'tts_earliest_expiry_seconds',
      help: 'Seconds until the earliest expiry among active authorizations (negative: already expired).',
      labelNames: ['token'] as const,
      registers: [metrics.registry],
      async collect() {
        const { access, authorization } = await views.earliestExpiries();
        this.reset();
        if (access !== null) this.set({ token: 'access' }, access);
        if (authorization !== null) this.set({ token: 'authorization' }, authorization);
      },
    });
  }
}
