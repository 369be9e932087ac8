import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { Snapshot } from './snapshot';

const METRIC_PREFIX = 'tts_';

/** `app_backoff`: not tried, TikTok refuses the app's credentials and its refreshes are paused. */
export type RefreshMetricOutcome =
  'refreshed' | 'already_fresh' | 'transient_failure' | 'reauthorization_required' | 'busy' | 'app_backoff' | 'error';

/**
 * Prometheus metrics, on a registry of this application instance (not prom-client's global one, so several
 * instances in one process, as in tests, keep separate counts). The modules that own stored data register
 * gauges of it here (ShopsMetrics), read from a {@link snapshot} so that scrapes do not query the database.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly refreshes = new Counter({
    name: 'tts_refreshes_total',
    help: 'Token refresh attempts by outcome, trigger (api, forced, scheduled, admin) and app (absent when no authorization was read).',
    labelNames: ['outcome', 'trigger', 'app'] as const,
    registers: [this.registry],
  });

  readonly refreshDuration = new Histogram({
    name: 'tts_refresh_duration_seconds',
    help: 'Duration of TikTok refresh calls, by outcome and app.',
    labelNames: ['outcome', 'app'] as const,
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
    help: 'TikTok webhook deliveries by type, outcome and app.',
    labelNames: ['type', 'outcome', 'app'] as const,
    registers: [this.registry],
  });

  readonly housekeepingDeleted = new Counter({
    name: 'tts_housekeeping_deleted_total',
    help: 'Rows the housekeeping job deleted, by table (rows a cascade deleted with them are not counted).',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  constructor(private readonly config: AppConfig) {
    // The default metrics carry their own `process_`/`nodejs_` prefixes: ours goes in front of them once.
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
    // The exact Node.js version tells a visitor which CVEs to try; the process metrics need no version.
    this.registry.removeSingleMetric(`${METRIC_PREFIX}nodejs_version_info`);
  }

  /**
   * `load` (aggregate SQL over stored data) run at most once every METRICS_REFRESH_SECONDS, whatever the
   * number of scrapers or their interval: a scrape is otherwise a cheap way to load the database.
   */
  snapshot<T>(load: () => Promise<T>): () => Promise<T> {
    const snapshot = new Snapshot(load, this.config.metrics.refreshSeconds * 1000);
    return () => snapshot.get();
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
