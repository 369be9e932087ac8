import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import axios, { AxiosInstance } from 'axios';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { backoffSeconds } from '../tokens/backoff';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signNotification, TIMESTAMP_HEADER } from './notification-signature';

interface Due {
  id: string;
  event_id: string;
  payload: Record<string, unknown>;
  attempts: number;
}

const BATCH = 20;
const TIMEOUT_MS = 5000;
/** Deliveries of one batch go one after another: the lease covers them all, timeouts included. */
const LEASE_SECONDS = Math.ceil((BATCH * (TIMEOUT_MS + 1000)) / 1000);

/**
 * Delivers the outbox to NOTIFY_WEBHOOK_URL: signed POSTs, retried with exponential backoff and jitter up to
 * NOTIFY_MAX_ATTEMPTS, rows claimed with SKIP LOCKED plus a lease so replicas share the work. Runs apart from
 * refreshes: a slow or dead receiver never delays them.
 */
@Injectable()
export class NotificationDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NotificationDispatcher.name);
  private readonly http: AxiosInstance;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {
    this.http = axios.create({
      timeout: TIMEOUT_MS,
      maxRedirects: 0,
      maxContentLength: 64 * 1024,
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(body: unknown) => body],
    });
  }

  onApplicationBootstrap(): void {
    const notify = this.config.notify;
    if (!notify) return;
    this.timer = setInterval(() => {
      void this.deliverDue().catch((error: unknown) =>
        this.logger.error(`notification run failed: ${error instanceof Error ? error.message : String(error)}`),
      );
    }, notify.pollMs);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One pass over what is due; returns how many were delivered. A pass in progress makes this a no-op. */
  deliverDue(): Promise<number> {
    if (this.running || this.stopping || !this.config.notify) return Promise.resolve(0);
    this.running = this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<number> {
    const [rows] = await this.dataSource.query<[Due[], number]>(
      `UPDATE notification_outbox SET next_attempt_at = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM notification_outbox
                      WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id, event_id, payload, attempts`,
      [BATCH, LEASE_SECONDS],
    );
    let delivered = 0;
    for (const row of rows.sort((a, b) => Number(a.id) - Number(b.id))) {
      if (this.stopping) break;
      if (await this.deliver(row)) delivered += 1;
    }
    return delivered;
  }

  private async deliver(row: Due): Promise<boolean> {
    const notify = this.config.notify;
    if (!notify) return false;
    const body = JSON.stringify(row.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    let problem: string | undefined;
    try {
      const response = await this.http.post(notify.url, body, {
        // axios' timeout restarts with every byte: a receiver dripping bytes must not hold the pass.
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signNotification(notify.secret, timestamp, body),
          [TIMESTAMP_HEADER]: String(timestamp),
          [EVENT_ID_HEADER]: row.event_id,
        },
      });
      if (response.status < 200 || response.status >= 300) problem = `HTTP ${response.status}`;
    } catch (error) {
      problem = (error as { code?: string }).code ?? 'request failed';
    }
    if (!problem) {
      await this.dataSource.query(
        'UPDATE notification_outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1',
        [row.id],
      );
      return true;
    }
    const attempts = row.attempts + 1;
    if (attempts >= notify.maxAttempts) {
      await this.dataSource.query('UPDATE notification_outbox SET failed_at = now(), attempts = $2, last_error = $3 WHERE id = $1', [
        row.id,
        attempts,
        problem,
      ]);
      this.logger.error(`notification ${row.event_id} given up after ${attempts} attempts (${problem})`);
      return false;
    }
    const delay = backoffSeconds(attempts, notify.backoffBaseSeconds, 3600);
    await this.dataSource.query(
      'UPDATE notification_outbox SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1',
      [row.id, attempts, problem, delay],
    );
    this.logger.warn(`notification ${row.event_id} attempt ${attempts} failed (${problem}); retry in ${delay} s`);
    return false;
  }
}
