import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { OAuthStatesRepository } from '../auth/oauth-states.repository';
import { CronRun } from '../common/cron-run';
import { describeError } from '../common/errors/describe-error';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationOutboxRepository } from '../notifications/notification-outbox.repository';
import { AuthorizationEventsRepository } from '../shops/authorization-events.repository';
import { ConnectSessionsRepository } from '../tenants/connect-sessions.repository';
import { WebhookDeliveriesRepository } from '../webhooks/webhook-deliveries.repository';
import { webhookRetentionCutoff } from '../webhooks/webhook-window';

/** The tables the job keeps short, in the order it visits them. */
export const HOUSEKEEPING_TABLES = [
  'oauth_states',
  'connect_sessions',
  'webhook_deliveries',
  'notification_outbox',
  'authorization_events',
] as const;
export type HousekeepingTable = (typeof HOUSEKEEPING_TABLES)[number];

export interface HousekeepingRunSummary {
  /** Another run of this instance was in progress: this one did nothing. */
  skipped: boolean;
  deleted: Record<HousekeepingTable, number>;
  /** DELETE statements run, each its own transaction. */
  statements: number;
  /** Tables whose deletes failed (the others were still visited). */
  failed: HousekeepingTable[];
  /** A shutdown stopped the run between two batches. */
  stopped: boolean;
}

const JOB_NAME = 'housekeeping';
const DAY_MS = 86_400_000;

/** One table's batch delete: at most `batchSize` rows per call, the number deleted returned. */
type BatchDelete = (batchSize: number) => Promise<number>;

/**
 * Deletes what the service no longer needs: dead OAuth states and connect sessions after a day, webhook
 * de-duplication rows, finished notifications and authorization events after their RETENTION_* days. Each
 * batch is one statement (one short transaction) that locks only its own rows and skips rows anyone else
 * holds, so writers never wait behind the job for long and replicas running it at once delete disjoint rows
 * without coordinating (the refresh scheduler's claims share work the same way). Never overlaps itself on
 * one instance; a shutdown stops it between two batches.
 */
@Injectable()
export class HousekeepingScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(HousekeepingScheduler.name);
  private readonly job: CronRun<HousekeepingRunSummary>;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: SchedulerRegistry,
    private readonly metrics: MetricsService,
    private readonly states: OAuthStatesRepository,
    private readonly sessions: ConnectSessionsRepository,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly outbox: NotificationOutboxRepository,
    private readonly events: AuthorizationEventsRepository,
  ) {
    this.job = new CronRun<HousekeepingRunSummary>(
      this.registry,
      JOB_NAME,
      this.logger,
      () => this.run(),
      () => ({ ...emptySummary(), skipped: true }),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.housekeeping.enabled) this.job.start(this.config.housekeeping.cron, () => this.runOnce());
  }

  async onModuleDestroy(): Promise<void> {
    await this.job.stop();
  }

  /** One run; a run already in progress on this instance makes this a no-op. */
  runOnce(): Promise<HousekeepingRunSummary> {
    return this.job.runOnce();
  }

  private async run(): Promise<HousekeepingRunSummary> {
    const summary = emptySummary();
    for (const [table, deleteBatch] of this.batchDeletes(Date.now())) {
      try {
        await this.drain(table, deleteBatch, summary);
      } catch (error) {
        // A table the database refuses to clean must not keep the others growing.
        summary.failed.push(table);
        this.logger.error(`housekeeping of ${table} failed: ${describeError(error)}`);
      }
      if (summary.stopped) break;
    }
    const total = HOUSEKEEPING_TABLES.reduce((sum, table) => sum + summary.deleted[table], 0);
    if (total > 0) {
      const counts = HOUSEKEEPING_TABLES.filter((table) => summary.deleted[table] > 0).map((table) => `${summary.deleted[table]} ${table}`);
      this.logger.log(
        `housekeeping run: deleted ${counts.join(', ')} in ${summary.statements} statements${summary.stopped ? ' (stopped by shutdown)' : ''}`,
      );
    }
    return summary;
  }

  /** Deletes batch after batch until one comes back short; checks for a shutdown before each. */
  private async drain(table: HousekeepingTable, deleteBatch: BatchDelete, summary: HousekeepingRunSummary): Promise<void> {
    const { batchSize } = this.config.housekeeping;
    for (;;) {
      if (this.job.stopping) {
        summary.stopped = true;
        return;
      }
      const deleted = await deleteBatch(batchSize);
      summary.statements += 1;
      summary.deleted[table] += deleted;
      if (deleted > 0) this.metrics.housekeepingDeleted.inc({ table }, deleted);
      // Short: nothing old is left, or the rest is locked (by another replica's batch, which deletes it).
      if (deleted < batchSize) return;
    }
  }

  /** Each table's delete, with its cutoff fixed at the start of the run. */
  private batchDeletes(now: number): [HousekeepingTable, BatchDelete][] {
    const { webhooksDays, notificationsDays, eventsDays } = this.config.retention;
    const dayAgo = new Date(now - DAY_MS);
    return [
      // States first: the sessions' cascade then finds few of them left to delete.
      ['oauth_states', (size) => this.states.deleteDeadBefore(dayAgo, size)],
      ['connect_sessions', (size) => this.sessions.deleteEndedBefore(dayAgo, size)],
      ['webhook_deliveries', (size) => this.deliveries.deleteReceivedBefore(webhookRetentionCutoff(now, webhooksDays), size)],
      ['notification_outbox', (size) => this.outbox.deleteFinishedBefore(new Date(now - notificationsDays * DAY_MS), size)],
      ['authorization_events', (size) => this.events.deleteCreatedBefore(new Date(now - eventsDays * DAY_MS), size)],
    ];
  }
}

function emptySummary(): HousekeepingRunSummary {
  const deleted = Object.fromEntries(HOUSEKEEPING_TABLES.map((table) => [table, 0])) as Record<HousekeepingTable, number>;
  return { skipped: false, deleted, statements: 0, failed: [], stopped: false };
}
