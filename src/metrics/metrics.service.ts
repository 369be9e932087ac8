import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import { authorizationEndSql, authorizationStatusIsSql } from '../shops/derived-status';

export type RefreshMetricOutcome = 'refreshed' | 'already_fresh' | 'transient_failure' | 'reauthorization_required' | 'busy' | 'error';

/**
 * Prometheus metrics, on a registry of this application instance (not prom-client's global one, so several
 * instances in one process, as in tests, keep separate counts). Gauges about stored data are computed when
 * scraped.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly refreshes = new Counter({
    name: 'tts_refreshes_total',
    help: 'Token refresh attempts by outcome and trigger (api, forced, scheduled, admin).',
    labelNames: ['outcome', 'trigger'] as const,
    registers: [this.registry],
  });

  readonly refreshDuration = new Histogram({
    name: 'tts_refresh_duration_seconds',
    help: 'Duration of TikTok refresh calls.',
    labelNames: ['outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  readonly tokenRequests = new Counter({
    name: 'tts_token_requests_total',
    help: 'Token API requests by outcome (served, refreshed, or the error code).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly webhookEvents = new Counter({
    name: 'tts_webhook_events_total',
    help: 'TikTok webhook deliveries by type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    collectDefaultMetrics({ register: this.registry, prefix: 'tts_process_' });
    const source = this.dataSource;
    new Gauge({
      name: 'tts_authorizations',
      help: 'Seller authorizations by status (expiring: active but ending within 30 days).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      // Counted on indexes, not by reading the table (whose rows carry the encrypted tokens): the active ones
      // index-only on ix_seller_authorizations_access_expiry, the others on the status and expiry indexes.
      async collect() {
        const rows = await source.query<{ status: string; n: number }[]>(
          `SELECT 'all_active' AS status, count(*)::int AS n FROM seller_authorizations WHERE status = 'active'
           UNION ALL SELECT 'expiring', count(*)::int FROM seller_authorizations a WHERE ${authorizationStatusIsSql('a', 'expiring')}
           UNION ALL SELECT status, count(*)::int FROM seller_authorizations WHERE status <> 'active' GROUP BY status`,
        );
        const count = (status: string): number => rows.find((row) => row.status === status)?.n ?? 0;
        this.reset();
        this.set({ status: 'active' }, count('all_active') - count('expiring'));
        for (const status of ['expiring', 'reauthorization_required', 'revoked']) this.set({ status }, count(status));
      },
    });
    new Gauge({
      name: 'tts_earliest_expiry_seconds',
      help: 'Seconds until the earliest expiry among active authorizations (negative: already expired).',
      labelNames: ['token'] as const,
      registers: [this.registry],
      async collect() {
        const [row] = await source.query<{ access: number | null; authorization: number | null }[]>(
          `SELECT extract(epoch FROM min(access_token_expires_at) - now())::float AS access,
                  extract(epoch FROM min(${authorizationEndSql('a')}) - now())::float AS authorization
             FROM seller_authorizations a WHERE status = 'active'`,
        );
        this.reset();
        if (row?.access !== null && row?.access !== undefined) this.set({ token: 'access' }, row.access);
        if (row?.authorization !== null && row?.authorization !== undefined) this.set({ token: 'authorization' }, row.authorization);
      },
    });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
