import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { CronJob } from 'cron';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthorizationEventsService } from '../shops/authorization-events.service';
import { authorizationEndSql, endsSoonSql } from '../shops/derived-status';
import { activeShopIds } from '../shops/shop-ids';
import { backoffSeconds } from './backoff';
import { RefreshOutcome, TokenRefresher } from './token-refresher.service';
import { describeError } from '../common/errors/describe-error';

export interface RefreshRunSummary {
  skipped: boolean;
  claimed: number;
  refreshed: number;
  failed: number;
  reauthorizationRequired: number;
}

const JOB_NAME = 'token-refresh';

/**
 * Refreshes access tokens before they expire. Each run claims due authorizations in batches (FOR UPDATE
 * SKIP LOCKED, then a short lease in `refresh_claimed_until`, so replicas share the work instead of
 * repeating it and a killed replica's claims simply lapse), refreshes them with bounded concurrency through
 * the same engine as the API, isolates every failure, and never overlaps itself.
 */
@Injectable()
export class RefreshScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RefreshScheduler.name);
  private current?: Promise<RefreshRunSummary>;
  private stopping = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly refresher: TokenRefresher,
    private readonly registry: SchedulerRegistry,
    private readonly events: AuthorizationEventsService,
    private readonly notifications: NotificationsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.refresh.schedulerEnabled) return;
    const job = CronJob.from({
      cronTime: this.config.refresh.cron,
      onTick: () => {
        this.runOnce().catch((error: unknown) => this.logger.error(`refresh run failed: ${describeError(error)}`));
      },
      start: true,
    });
    this.registry.addCronJob(JOB_NAME, job);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.registry.doesExist('cron', JOB_NAME)) {
      await this.registry.getCronJob(JOB_NAME).stop();
      this.registry.deleteCronJob(JOB_NAME);
    }
    await this.current?.catch(() => undefined);
  }

  /** One run; a run already in progress on this instance makes this a no-op. */
  runOnce(): Promise<RefreshRunSummary> {
    if (this.current) return Promise.resolve({ skipped: true, claimed: 0, refreshed: 0, failed: 0, reauthorizationRequired: 0 });
    this.current = this.run().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }

  private async run(): Promise<RefreshRunSummary> {
    const summary: RefreshRunSummary = { skipped: false, claimed: 0, refreshed: 0, failed: 0, reauthorizationRequired: 0 };
    const claims = new ClaimQueue((exclude) => this.claim(exclude), this.refresher.capacity);
    // A pipeline, not batch after batch: the next batch is claimed while the current one still runs, so
    // no slot waits for the slowest refresh of a batch.
    await Promise.all(
      Array.from({ length: this.refresher.capacity }, async () => {
        for (let id = await claims.next(() => this.stopping); id !== undefined; id = await claims.next(() => this.stopping)) {
          const outcome = await this.refreshOne(id);
          if (outcome?.kind === 'token') summary.refreshed += outcome.refreshed ? 1 : 0;
          else if (outcome?.kind === 'reauthorization_required') summary.reauthorizationRequired += 1;
          else summary.failed += 1;
        }
      }),
    );
    summary.claimed = claims.claimed;
    // Shutting down: hand what was not started back to the other replicas at once.
    const unstarted = await claims.drain();
    if (unstarted.length > 0) await this.releaseClaims(unstarted);
    if (claims.error) throw claims.error;
    if (!this.stopping)
      await this.announceExpiring().catch((error: unknown) => this.logger.error(`expiring check failed: ${describeError(error)}`));
    if (summary.claimed > 0) {
      this.logger.log(
        `refresh run: ${summary.claimed} due, ${summary.refreshed} refreshed, ${summary.failed} failed, ${summary.reauthorizationRequired} need re-consent`,
      );
    }
    return summary;
  }

  /**
   * Authorizations that entered the last 30 days of their life since the last run are announced once as
   * `expiring` (the seller must consent again before the end). Marked and announced in one transaction.
   */
  private async announceExpiring(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const [rows] = await manager.query<[{ id: string; open_id: string; ends: Date }[], number]>(
        `UPDATE seller_authorizations SET expiring_notified_at = now()
          WHERE id IN (SELECT id FROM seller_authorizations a
                        WHERE status = 'active' AND expiring_notified_at IS NULL AND ${endsSoonSql('a')}
                        -- the ordering keeps the planner on the index of when authorizations end
                        ORDER BY ${authorizationEndSql('a')}
                        LIMIT 1000 FOR UPDATE SKIP LOCKED)
          RETURNING id, open_id, ${authorizationEndSql('seller_authorizations')} AS ends`,
      );
      for (const row of rows) {
        await this.notifications.statusChanged(manager, {
          status: 'expiring',
          previousStatus: 'active',
          authorizationId: row.id,
          openId: row.open_id,
          shopIds: await activeShopIds(manager, row.id),
          reason: `the authorization ends at ${row.ends.toISOString()}`,
        });
      }
    });
  }

  private async claim(exclude: string[]): Promise<string[]> {
    const { aheadSeconds, batchSize, claimSeconds } = this.config.refresh;
    const rows = await this.dataSource.query<[{ id: string }[], number]>(
      `UPDATE seller_authorizations SET refresh_claimed_until = now() + make_interval(secs => $3)
        WHERE id IN (
          SELECT id FROM seller_authorizations
           WHERE status = 'active'
             AND access_token_expires_at < now() + make_interval(secs => $1)
             AND (next_refresh_at IS NULL OR next_refresh_at <= now())
             AND (refresh_claimed_until IS NULL OR refresh_claimed_until < now())
             AND NOT (id = ANY($4::uuid[]))
           ORDER BY access_token_expires_at
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
        RETURNING id`,
      [aheadSeconds, batchSize, claimSeconds, exclude],
    );
    return rows[0].map((row) => row.id);
  }

  private async refreshOne(id: string): Promise<RefreshOutcome | undefined> {
    let outcome: RefreshOutcome | undefined;
    try {
      outcome = await this.refresher.refresh({
        authorizationId: id,
        trigger: 'scheduled',
        neededUntil: new Date(Date.now() + this.config.refresh.aheadSeconds * 1000),
      });
      return outcome;
    } catch (error) {
      // Not TikTok's doing (a database fault, an undecryptable row...): back off all the same, so a broken
      // row cannot come first in every claim and starve the healthy ones.
      this.logger.error(`refresh of authorization ${id} failed: ${describeError(error)}`);
      await this.recordUnexpectedFailure(id, error).catch(() => undefined);
      return undefined;
    } finally {
      // The statement that stored a new pair cleared the claim too; every other outcome hands it back here.
      if (!(outcome?.kind === 'token' && outcome.refreshed)) await this.releaseClaims([id]).catch(() => undefined);
    }
  }

  private async recordUnexpectedFailure(id: string, error: unknown): Promise<void> {
    const { backoffBaseSeconds, backoffMaxSeconds } = this.config.refresh;
    await this.dataSource.transaction(async (manager) => {
      const [rows] = await manager.query<[{ refresh_failures: number }[], number]>(
        `UPDATE seller_authorizations SET refresh_failures = refresh_failures + 1, last_refresh_error = 'internal_error',
           last_refresh_attempt_at = now(), updated_at = now()
         WHERE id = $1 RETURNING refresh_failures`,
        [id],
      );
      const failures = rows[0]?.refresh_failures ?? 1;
      const delay = backoffSeconds(failures, backoffBaseSeconds, backoffMaxSeconds);
      await manager.query('UPDATE seller_authorizations SET next_refresh_at = now() + make_interval(secs => $2) WHERE id = $1', [
        id,
        delay,
      ]);
      await this.events.record(
        {
          type: 'refresh_failed',
          authorizationId: id,
          detail: {
            trigger: 'scheduled',
            reason: 'internal_error',
            error: describeError(error).slice(0, 200),
            attempt: failures,
            retry_in_seconds: delay,
          },
        },
        manager,
      );
    });
  }

  private async releaseClaims(ids: string[]): Promise<void> {
    await this.dataSource.query(
      'UPDATE seller_authorizations SET refresh_claimed_until = NULL WHERE id = ANY($1::uuid[]) AND refresh_claimed_until IS NOT NULL',
      [ids],
    );
  }
}

/**
 * The claimed authorizations of one run, fed to the refresh slots. A batch is claimed before the queue runs
 * dry (one claim at a time), an authorization is claimed at most once per run (a token living less than
 * REFRESH_AHEAD_SECONDS stays due after its refresh), and the run ends when a claim comes back empty. A claim
 * that fails ends the run too: what is queued is still refreshed, then `error` is set.
 */
export class ClaimQueue {
  private readonly queue: string[] = [];
  private readonly seen: string[] = [];
  private claiming?: Promise<void>;
  private exhausted = false;
  claimed = 0;
  error?: Error;

  constructor(
    private readonly claim: (exclude: string[]) => Promise<string[]>,
    /** Claim the next batch when no more than this many are left. */
    private readonly lowWater: number,
  ) {}

  /** The next authorization to refresh, or undefined when the run is over (or `stopping()`). */
  async next(stopping: () => boolean): Promise<string | undefined> {
    while (!stopping()) {
      if (this.queue.length <= this.lowWater) void this.refill();
      const id = this.queue.shift();
      if (id !== undefined) return id;
      if (this.exhausted) return undefined;
      await this.refill();
    }
    return undefined;
  }

  /** What was claimed but not handed out, once no claim is in flight any more. */
  async drain(): Promise<string[]> {
    await this.claiming;
    return this.queue.splice(0);
  }

  private refill(): Promise<void> {
    if (this.exhausted) return Promise.resolve();
    this.claiming ??= this.claim(this.seen)
      .then(
        (ids) => {
          if (ids.length === 0) this.exhausted = true;
          this.seen.push(...ids);
          this.queue.push(...ids);
          this.claimed += ids.length;
        },
        (error: unknown) => {
          this.error = error instanceof Error ? error : new Error(describeError(error));
          this.exhausted = true;
        },
      )
      .finally(() => {
        this.claiming = undefined;
      });
    return this.claiming;
  }
}
