import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TiktokAppHealth } from '../common/app-health/tiktok-app-health';
import { backoffSeconds } from '../common/backoff';
import { CronRun } from '../common/cron-run';
import { describeError } from '../common/errors/describe-error';
import { AppConfig } from '../config/app-config';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthorizationEventsRepository } from '../shops/authorization-events.repository';
import { AuthorizationRefreshRepository, ClaimCursor } from '../shops/authorization-refresh.repository';
import { AuthorizationsRepository } from '../shops/authorizations.repository';
import { ClaimedBatch, ClaimQueue } from './claim-queue';
import type { RefreshOutcome } from './refresh.types';
import { TokenRefresher } from './token-refresher.service';

export interface RefreshRunSummary {
  skipped: boolean;
  claimed: number;
  refreshed: number;
  failed: number;
  reauthorizationRequired: number;
}

const JOB_NAME = 'token-refresh';

/**
 * Refreshes access tokens before they expire. Each run claims due authorizations in batches (skipping rows
 * another replica has locked, then a short lease: AuthorizationRefreshRepository.claimDue), so replicas share
 * the work instead of repeating it and a killed replica's claims simply lapse, refreshes them with bounded
 * concurrency through the same engine as the API, isolates every failure, and never overlaps itself (CronRun).
 * An app whose credentials TikTok refuses is skipped while it backs off (TiktokAppHealth), the others go on.
 */
@Injectable()
export class RefreshScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RefreshScheduler.name);
  private readonly job: CronRun<RefreshRunSummary>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly refresher: TokenRefresher,
    private readonly registry: SchedulerRegistry,
    private readonly refreshes: AuthorizationRefreshRepository,
    private readonly authorizations: AuthorizationsRepository,
    private readonly events: AuthorizationEventsRepository,
    private readonly notifications: NotificationsService,
    private readonly appHealth: TiktokAppHealth,
  ) {
    this.job = new CronRun<RefreshRunSummary>(
      this.registry,
      JOB_NAME,
      this.logger,
      () => this.run(),
      () => ({ skipped: true, claimed: 0, refreshed: 0, failed: 0, reauthorizationRequired: 0 }),
    );
  }

  onApplicationBootstrap(): void {
    if (this.config.refresh.schedulerEnabled) this.job.start(this.config.refresh.cron, () => this.runOnce());
  }

  async onModuleDestroy(): Promise<void> {
    await this.job.stop();
  }

  /** One run; a run already in progress on this instance makes this a no-op. */
  runOnce(): Promise<RefreshRunSummary> {
    return this.job.runOnce();
  }

  private async run(): Promise<RefreshRunSummary> {
    const summary: RefreshRunSummary = { skipped: false, claimed: 0, refreshed: 0, failed: 0, reauthorizationRequired: 0 };
    const claims = new ClaimQueue<ClaimCursor>((cursor) => this.claim(cursor), this.refresher.capacity);
    // A pipeline, not batch after batch: the next batch is claimed while the current one still runs, so
    // no slot waits for the slowest refresh of a batch.
    await Promise.all(
      Array.from({ length: this.refresher.capacity }, async () => {
        for (let id = await claims.next(() => this.job.stopping); id !== undefined; id = await claims.next(() => this.job.stopping)) {
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
    if (unstarted.length > 0) await this.refreshes.releaseClaims(unstarted);
    if (claims.error) throw claims.error;
    if (!this.job.stopping)
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
      const rows = await this.refreshes.markExpiring(manager);
      for (const row of rows) {
        await this.notifications.statusChanged(manager, {
          status: 'expiring',
          previousStatus: 'active',
          authorizationId: row.id,
          appKey: row.appKey,
          tenantId: row.tenantId,
          openId: row.openId,
          shopIds: await this.authorizations.activeShopIds(manager, row.id),
          reason: `the authorization ends at ${row.endsAt.toISOString()}`,
        });
      }
    });
  }

  /**
   * The apps whose credentials TikTok refuses are read again for every claim: one that starts failing mid-run is
   * left alone from the next batch on (what is queued already is refused by the refresher without a TikTok call).
   */
  private claim(cursor: ClaimCursor | null): Promise<ClaimedBatch<ClaimCursor>> {
    const { aheadSeconds, batchSize, claimSeconds } = this.config.refresh;
    return this.refreshes.claimDue(aheadSeconds, batchSize, claimSeconds, cursor, this.appHealth.pausedAppKeys());
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
      if (!(outcome?.kind === 'token' && outcome.refreshed)) await this.refreshes.releaseClaims([id]).catch(() => undefined);
    }
  }

  private async recordUnexpectedFailure(id: string, error: unknown): Promise<void> {
    const { backoffBaseSeconds, backoffMaxSeconds } = this.config.refresh;
    await this.dataSource.transaction(async (manager) => {
      const failures = (await this.refreshes.countInternalFailure(manager, id)) || 1;
      const delay = backoffSeconds(failures, backoffBaseSeconds, backoffMaxSeconds);
      await this.refreshes.deferNextRefresh(manager, id, delay);
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
}
