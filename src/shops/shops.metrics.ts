import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service';
import { AuthorizationViewsRepository } from './authorization-views.repository';

/** The gauges of stored authorizations, from one snapshot of both queries (MetricsService.snapshot). */
@Injectable()
export class ShopsMetrics {
  constructor(metrics: MetricsService, views: AuthorizationViewsRepository) {
    const stored = metrics.snapshot(async () => {
      const counts = await views.countByStatus();
      const { access, authorization } = await views.earliestExpiries();
      // Kept as instants, so that the seconds left keep counting down between two loads.
      const at = (seconds: number | null) => (seconds === null ? null : Date.now() + seconds * 1000);
      return { counts, access: at(access), authorization: at(authorization) };
    });
    const secondsLeft = (instant: number | null) => (instant === null ? null : (instant - Date.now()) / 1000);
    new Gauge({
      name: 'tts_authorizations',
      help: 'Seller authorizations by status (expiring: active but ending within 30 days).',
      labelNames: ['status'] as const,
      registers: [metrics.registry],
      async collect() {
        const { counts } = await stored();
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
        const snapshot = await stored();
        const access = secondsLeft(snapshot.access);
        const authorization = secondsLeft(snapshot.authorization);
        this.reset();
        if (access !== null) this.set({ token: 'access' }, access);
        if (authorization !== null) this.set({ token: 'authorization' }, authorization);
      },
    });
  }
}
