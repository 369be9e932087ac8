import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import axios, { AxiosInstance } from 'axios';
import { AppConfig } from '../config/app-config';
import { backoffSeconds } from '../common/backoff';
import { DueNotification, NotificationOutboxRepository } from './notification-outbox.repository';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, signNotification, TIMESTAMP_HEADER } from './notification-signature';

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
    private readonly outbox: NotificationOutboxRepository,
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
    const rows = await this.outbox.claimDue(BATCH, LEASE_SECONDS);
    let delivered = 0;
    for (const row of rows) {
      if (this.stopping) break;
      if (await this.deliver(row)) delivered += 1;
    }
    return delivered;
  }

  private async deliver(row: DueNotification): Promise<boolean> {
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
          [EVENT_ID_HEADER]: row.eventId,
        },
      });
      if (response.status < 200 || response.status >= 300) problem = `HTTP ${response.status}`;
    } catch (error) {
      problem = (error as { code?: string }).code ?? 'request failed';
    }
    if (!problem) {
      await this.outbox.markDelivered(row.id);
      return true;
    }
    const attempts = row.attempts + 1;
    if (attempts >= notify.maxAttempts) {
      await this.outbox.markFailed(row.id, attempts, problem);
      this.logger.error(`notification ${row.eventId} given up after ${attempts} attempts (${problem})`);
      return false;
    }
    const delay = backoffSeconds(attempts, notify.backoffBaseSeconds, 3600);
    await this.outbox.scheduleRetry(row.id, attempts, problem, delay);
    this.logger.warn(`notification ${row.eventId} attempt ${attempts} failed (${problem}); retry in ${delay} s`);
    return false;
  }
}
