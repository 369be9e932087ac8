import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { TiktokApps } from '../config/tiktok-apps';
import { MetricsService } from '../metrics/metrics.service';
import { AuthorizationViewsRepository } from './authorization-views.repository';

/**
 * The gauges of stored authorizations, from one snapshot of both queries (MetricsService.snapshot), labelled
 * with the app id (`app`) of every configured app.
 */
@Injectable()
export class ShopsMetrics {
  constructor(metrics: MetricsService, views: AuthorizationViewsRepository, apps: TiktokApps) {
    const appKeys = apps.all.map((app) => app.appKey);
    const stored = metrics.snapshot(async () => {
      const counts = await views.countByStatus(appKeys);
      const expiries = await views.earliestExpiries(appKeys);
      // Kept as instants, so that the seconds left keep counting down between two loads.
      const at = (seconds: number | null) => (seconds === null ? null : Date.now() + seconds * 1000);
      return apps.all.map((app) => {
        const { access, authorization } = expiries.get(app.appKey) ?? { access: null, authorization: null };
        return { app: app.id, counts: counts.get(app.appKey), access: at(access), authorization: at(authorization) };
      });
    });
    const secondsLeft = (instant: number | null) => (instant === null ? null : (instant - Date.now()) / 1000);
    new Gauge({
      name: 'tts_authorizations',
      help: 'Seller authorizations by status (expiring: active but ending within 30 days) and app.',
      labelNames: ['status', 'app'] as const,
      registers: [metrics.registry],
      async collect() {
        const snapshot = await stored();
        this.reset();
        for (const { app, counts } of snapshot) for (const [status, n] of Object.entries(counts ?? {})) this.set({ status, app }, n);
      },
    });
    new Gauge({
      name: 'tts_earliest_expiry_seconds',
      help: 'Seconds until the earliest expiry among active authorizations, by app (negative: already expired).',
      labelNames: ['token', 'app'] as const,
      registers: [metrics.registry],
      async collect() {
        const snapshot = await stored();
        this.reset();
        for (const entry of snapshot) {
          const access = secondsLeft(entry.access);
          const authorization = secondsLeft(entry.authorization);
          if (access !== null) this.set({ token: 'access', app: entry.app }, access);
          if (authorization !== null) this.set({ token: 'authorization', app: entry.app }, authorization);
        }
      },
    });
  }
}
