import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { TokenCipher } from '../common/crypto/token-cipher';
import { AppConfig } from '../config/app-config';
import { AuthorizationEventsService } from '../shops/authorization-events.service';
import { tokenBinding } from '../shops/token-binding';
import { TiktokClient } from '../tiktok/tiktok.client';
import { TiktokError } from '../tiktok/tiktok.errors';
import type { TokenGrant } from '../tiktok/tiktok.types';
import { InvalidationBus } from '../common/cache/invalidation-bus.service';
import { Semaphore, SemaphoreTimeoutError } from '../common/semaphore';
import { MetricsService, RefreshMetricOutcome } from '../metrics/metrics.service';
import { NotificationsService } from '../notifications/notifications.service';
import { activeShopIds } from '../shops/shop-ids';
import { backoffSeconds } from './backoff';
import { lockIdleTimeoutMs, withRowLock } from './locked-transaction';
import { describeError } from '../common/errors/describe-error';

export type RefreshTrigger = 'api' | 'forced' | 'scheduled' | 'admin';

export interface RefreshRequest {
  authorizationId: string;
  trigger: RefreshTrigger;
  /** Refresh unless the stored access token is valid at least until then. */
  neededUntil?: Date;
  /** Refresh even if the token is still valid, unless it was refreshed a few seconds ago. */
  force?: boolean;
  /** Admin calls go to TikTok even while the authorization is in backoff. */
  ignoreBackoff?: boolean;
}

export type RefreshOutcome =
  | { kind: 'token'; refreshed: boolean; accessToken: string; accessTokenExpiresAt: Date }
  | { kind: 'reauthorization_required'; reason: string }
  | { kind: 'unavailable'; retryAfterSeconds: number; reason: string }
  | { kind: 'not_found' };

const LOCKED_COLUMNS = `status, access_token, refresh_token, access_token_expires_at, refresh_token_expires_at,
  last_refreshed_at, next_refresh_at, refresh_failures, open_id, tokens_issued_at::text AS tokens_issued_at, now() AS now`;

interface LockedRow {
  status: string;
  access_token: string | null;
  refresh_token: string | null;
  access_token_expires_at: Date | null;
  refresh_token_expires_at: Date | null;
  last_refreshed_at: Date | null;
  next_refresh_at: Date | null;
  refresh_failures: number;
  open_id: string;
  /** As text, with PostgreSQL's microseconds (a JavaScript Date would drop them and never compare equal). */
  tokens_issued_at: string | null;
  now: Date;
}

/**
 * The one refresh path, used by the token API, the scheduler and admin calls:
 * in-process single-flight per authorization, then the row lock in a short transaction, a re-read (another
 * replica may have refreshed meanwhile: then its token is used), the TikTok call, and the new access AND
 * refresh tokens persisted in that same transaction. Transient failures back off; only TikTok's
 * "this grant is gone" answers mark the authorization for re-consent.
 */
@Injectable()
export class TokenRefresher implements OnModuleDestroy {
  private readonly logger = new Logger(TokenRefresher.name);
  private readonly inFlight = new Map<string, Promise<RefreshOutcome>>();
  /** Rotated pairs whose first write failed, being written again in the background. */
  private readonly unsaved = new Map<string, { grant: TokenGrant; done: Promise<void> }>();
  /**
   * A refresh holds a pooled connection for the whole TikTok call. Capping refreshes (API and scheduler
   * together) below the pool size keeps connections free for key checks and token reads during a slow TikTok.
   */
  private readonly slots: Semaphore;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cipher: TokenCipher,
    private readonly tiktok: TiktokClient,
    private readonly events: AuthorizationEventsService,
    private readonly notifications: NotificationsService,
    private readonly metrics: MetricsService,
    private readonly bus: InvalidationBus,
  ) {
    this.slots = new Semaphore(refreshSlots(config));
  }

  /** A rotated pair still being written gets a last chance before the process goes. */
  async onModuleDestroy(): Promise<void> {
    await this.flushUnsaved(10000);
  }

  /** How many refreshes may hold a connection at once on this instance. */
  get capacity(): number {
    return this.slots.size;
  }

  refresh(request: RefreshRequest): Promise<RefreshOutcome> {
    if (!request.authorizationId) throw new Error('refresh needs an authorization id');
    const running = this.inFlight.get(request.authorizationId);
    if (running) return running;
    // Its newest pair is not stored yet and the stored refresh token is dead: no refresh until it is.
    const unsaved = this.unsaved.get(request.authorizationId);
    if (unsaved) {
      const { grant } = unsaved;
      if (!request.force && grant.accessTokenExpiresAt >= (request.neededUntil ?? new Date())) {
        return Promise.resolve({
          kind: 'token',
          refreshed: false,
          accessToken: grant.accessToken,
          accessTokenExpiresAt: grant.accessTokenExpiresAt,
        });
      }
      return Promise.resolve({ kind: 'unavailable', retryAfterSeconds: 5, reason: 'unsaved_pair' });
    }
    const promise = this.refreshWithSlot(request)
      .then(
        (outcome) => {
          this.metrics.refreshes.inc({ outcome: metricOutcome(outcome), trigger: request.trigger });
          return outcome;
        },
        (error: unknown) => {
          this.metrics.refreshes.inc({ outcome: 'error', trigger: request.trigger });
          throw error;
        },
      )
      .finally(() => this.inFlight.delete(request.authorizationId));
    this.inFlight.set(request.authorizationId, promise);
    return promise;
  }

  private async refreshWithSlot(request: RefreshRequest): Promise<RefreshOutcome> {
    let release: () => void;
    try {
      release = await this.slots.acquire(SLOT_WAIT_MS);
    } catch (error) {
      if (error instanceof SemaphoreTimeoutError) return { kind: 'unavailable', retryAfterSeconds: 1, reason: 'busy' };
      throw error;
    }
    const attempt: Attempt = {};
    try {
      // The lock is held across the TikTok call: a server-side idle-in-transaction timeout shorter than that
      // call would kill the session after TikTok rotated the pair, so this transaction sets its own.
      const lock = {
        columns: LOCKED_COLUMNS,
        table: 'seller_authorizations',
        id: request.authorizationId,
        idleTimeoutMs: lockIdleTimeoutMs(this.config.tiktok.timeoutMs),
      };
      return await withRowLock<LockedRow, RefreshOutcome>(this.dataSource, lock, (manager, row) =>
        this.refreshLocked(manager, row, request, attempt),
      );
    } catch (error) {
      // TikTok rotated the pair but the transaction died (connection lost, failover, session killed):
      // the new pair exists nowhere else, so write it again on a fresh connection before anything else.
      if (attempt.grant) return this.persistAfterFailedCommit(request, attempt.grant, attempt.replacedIssuedAt ?? null, error);
      throw error;
    } finally {
      release();
    }
  }

  /**
   * With the row locked. A successful refresh costs three round trips in all: BEGIN with the lock, one
   * statement storing the pair, the event and the notification, and COMMIT.
   */
  private async refreshLocked(
    manager: EntityManager,
    row: LockedRow | undefined,
    request: RefreshRequest,
    attempt: Attempt,
  ): Promise<RefreshOutcome> {
    const id = request.authorizationId;
    if (!row) return { kind: 'not_found' };
    if (row.status !== 'active' || !row.access_token || !row.refresh_token) {
      return { kind: 'reauthorization_required', reason: row.status };
    }
    const now = row.now;
    const current = (): RefreshOutcome => ({
      kind: 'token',
      refreshed: false,
      accessToken: this.cipher.decrypt(row.access_token as string, tokenBinding(id, 'access_token')),
      accessTokenExpiresAt: row.access_token_expires_at as Date,
    });
    const expiresAt = row.access_token_expires_at?.getTime() ?? 0;
    if (request.force) {
      const dedupMs = this.config.refresh.forcedRefreshDedupSeconds * 1000;
      if (row.last_refreshed_at && now.getTime() - row.last_refreshed_at.getTime() < dedupMs && expiresAt > now.getTime()) return current();
    } else if (expiresAt >= (request.neededUntil ?? now).getTime()) {
      // Another request or replica refreshed while this one waited for the lock.
      return current();
    }
    if (!row.refresh_token_expires_at || row.refresh_token_expires_at <= now) {
      return this.requireReauthorization(manager, row, id, request, 'refresh_token_expired');
    }
    if (row.next_refresh_at && row.next_refresh_at > now && !request.ignoreBackoff) {
      return { kind: 'unavailable', retryAfterSeconds: secondsBetween(now, row.next_refresh_at), reason: 'backoff' };
    }

    const refreshToken = this.cipher.decrypt(row.refresh_token, tokenBinding(id, 'refresh_token'));
    let grant: TokenGrant;
    const stopTimer = this.metrics.refreshDuration.startTimer();
    try {
      grant = await this.tiktok.refresh(refreshToken);
      stopTimer({ outcome: 'success' });
      attempt.grant = grant;
      attempt.replacedIssuedAt = row.tokens_issued_at;
    } catch (error) {
      stopTimer({ outcome: 'failure' });
      if (!(error instanceof TiktokError)) throw error;
      if (error.requiresReauthorization) return this.requireReauthorization(manager, row, id, request, error.reason, error.tiktokCode);
      return this.recordTransientFailure(manager, row, id, request, error);
    }
    // The row is locked: the pair it replaces is still there, so this write cannot be refused.
    const event = {
      openId: row.open_id,
      detail: { trigger: request.trigger, access_token_expires_at: grant.accessTokenExpiresAt.toISOString() },
    };
    if (!(await this.storeGrant(manager, id, grant, row.tokens_issued_at, event)))
      throw new Error(`authorization ${id}: refreshed pair not written`);
    return { kind: 'token', refreshed: true, accessToken: grant.accessToken, accessTokenExpiresAt: grant.accessTokenExpiresAt };
  }

  /**
   * Writes a refreshed pair, but only over the pair it replaces (compare-and-set on when that pair was
   * issued, which key rotation leaves alone): never over a newer consent or refresh. In the same statement
   * (one round trip): the scheduler's claim is cleared, the `refreshed` event recorded if the pair was
   * written (the columns AuthorizationEventsService.record writes), and the other replicas' caches told when
   * the transaction commits. Returns whether the pair was written.
   */
  private async storeGrant(
    manager: EntityManager,
    id: string,
    grant: TokenGrant,
    replacedIssuedAt: string | null,
    event: RefreshedEvent,
  ): Promise<boolean> {
    const { channel, payload } = this.bus.announce({ kind: 'authorization', id });
    const [result] = await manager.query<{ stored: number }[]>(
      `WITH stored AS (
         UPDATE seller_authorizations SET
           access_token = $2, refresh_token = $3, access_token_expires_at = $4, refresh_token_expires_at = $5,
           tokens_issued_at = $6, granted_scopes = CASE WHEN cardinality($7::text[]) > 0 THEN $7::text[] ELSE granted_scopes END,
           last_refreshed_at = now(), last_refresh_attempt_at = now(), refresh_failures = 0, next_refresh_at = NULL,
           last_refresh_error = NULL, refresh_claimed_until = NULL, updated_at = now()
         WHERE id = $1 AND tokens_issued_at::text IS NOT DISTINCT FROM $8
         RETURNING id
       ), event AS (
         INSERT INTO authorization_events (authorization_id, open_id, shop_id, type, detail)
         SELECT id, $9::varchar, NULL, 'refreshed', $10::jsonb FROM stored
       )
       SELECT (SELECT count(*) FROM stored)::int AS stored, pg_notify($11, $12) AS notified`,
      [
        id,
        this.cipher.encrypt(grant.accessToken, tokenBinding(id, 'access_token')),
        this.cipher.encrypt(grant.refreshToken, tokenBinding(id, 'refresh_token')),
        grant.accessTokenExpiresAt,
        grant.refreshTokenExpiresAt,
        grant.receivedAt,
        grant.grantedScopes,
        replacedIssuedAt,
        event.openId,
        JSON.stringify(event.detail),
        channel,
        payload,
      ],
    );
    return result.stored === 1;
  }

  /**
   * TikTok rotated the pair and the transaction that stored it died (connection lost, failover, restart): the
   * pair exists nowhere else, and the refresh token it replaces is dead. Written again on a fresh connection,
   * a few times at once; if the database is still away, the caller gets the new token anyway (it is valid)
   * and the write goes on in the background, with backoff, for up to PERSIST_RETRY_MS, a database restart or
   * failover. Meanwhile this authorization is not refreshed again (see {@link unsaved}).
   */
  private async persistAfterFailedCommit(
    request: RefreshRequest,
    grant: TokenGrant,
    replaced: string | null,
    cause: unknown,
  ): Promise<RefreshOutcome> {
    const id = request.authorizationId;
    const token: RefreshOutcome = {
      kind: 'token',
      refreshed: true,
      accessToken: grant.accessToken,
      accessTokenExpiresAt: grant.accessTokenExpiresAt,
    };
    const started = Date.now();
    const write = async (attempt: number): Promise<boolean> => {
      try {
        const event = { openId: null, detail: { trigger: request.trigger, recovered_after: describeError(cause), attempts: attempt } };
        const written = await this.dataSource.transaction((manager) => this.storeGrant(manager, id, grant, replaced, event));
        if (!written) this.logger.error(`authorization ${id}: refreshed pair not stored, a newer pair is already there`);
        else
          this.logger.warn(
            `authorization ${id}: refreshed pair stored after the first transaction failed (${describeError(cause)}; attempt ${attempt})`,
          );
        return true;
      } catch (error) {
        if (attempt === 1 || attempt % 10 === 0)
          this.logger.error(
            `authorization ${id}: storing the refreshed pair failed (attempt ${attempt}), retrying: ${describeError(error)}`,
          );
        return false;
      }
    };
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      if (await write(attempt)) return token;
      await sleep(200 * attempt);
    }
    const done = (async () => {
      for (let attempt = 4; ; attempt += 1) {
        await sleep(Math.min(5000, 250 * 2 ** (attempt - 3)));
        if (await write(attempt)) return;
        if (Date.now() - started > PERSIST_RETRY_MS) {
          this.logger.error(
            `authorization ${id}: the refreshed pair could not be stored within ${PERSIST_RETRY_MS / 1000} s and is lost; the seller must consent again`,
          );
          return;
        }
      }
    })().finally(() => this.unsaved.delete(id));
    this.unsaved.set(id, { grant, done });
    return token;
  }

  /** Waits (up to `ms`) for the pairs still being written in the background: before shutting down. */
  async flushUnsaved(ms: number): Promise<void> {
    if (this.unsaved.size === 0) return;
    const ids = [...this.unsaved.keys()];
    await Promise.race([Promise.all([...this.unsaved.values()].map((entry) => entry.done)), sleep(ms)]);
    for (const id of ids.filter((pending) => this.unsaved.has(pending))) {
      this.logger.error(
        `authorization ${id}: shutting down with its refreshed pair still unstored; it is lost and the seller must consent again`,
      );
    }
  }

  private async requireReauthorization(
    manager: EntityManager,
    row: LockedRow,
    id: string,
    request: RefreshRequest,
    reason: string,
    tiktokCode?: number,
  ): Promise<RefreshOutcome> {
    await manager.query(
      `UPDATE seller_authorizations SET status = 'reauthorization_required', last_refresh_error = $2,
         last_refresh_attempt_at = now(), next_refresh_at = NULL, refresh_claimed_until = NULL, updated_at = now()
       WHERE id = $1`,
      [id, reason],
    );
    await this.bus.publish(manager, { kind: 'authorization', id });
    await this.events.record(
      {
        type: 'reauthorization_required',
        authorizationId: id,
        openId: row.open_id,
        detail: { trigger: request.trigger, reason, tiktok_code: tiktokCode ?? null },
      },
      manager,
    );
    await this.notifications.statusChanged(manager, {
      status: 'reauthorization_required',
      previousStatus: row.status,
      authorizationId: id,
      openId: row.open_id,
      shopIds: await activeShopIds(manager, id),
      reason,
    });
    this.logger.warn(`authorization ${id} needs a new consent (${reason})`);
    return { kind: 'reauthorization_required', reason };
  }

  private async recordTransientFailure(
    manager: EntityManager,
    row: LockedRow,
    id: string,
    request: RefreshRequest,
    error: TiktokError,
  ): Promise<RefreshOutcome> {
    const failures = row.refresh_failures + 1;
    const delay = backoffSeconds(failures, this.config.refresh.backoffBaseSeconds, this.config.refresh.backoffMaxSeconds);
    await manager.query(
      `UPDATE seller_authorizations SET refresh_failures = $2, next_refresh_at = now() + make_interval(secs => $3),
         last_refresh_error = $4, last_refresh_attempt_at = now(), refresh_claimed_until = NULL, updated_at = now()
       WHERE id = $1`,
      [id, failures, delay, error.reason],
    );
    await this.events.record(
      {
        type: 'refresh_failed',
        authorizationId: id,
        openId: row.open_id,
        detail: {
          trigger: request.trigger,
          reason: error.reason,
          transient: error.transient,
          tiktok_code: error.tiktokCode ?? null,
          attempt: failures,
          retry_in_seconds: delay,
        },
      },
      manager,
    );
    return { kind: 'unavailable', retryAfterSeconds: delay, reason: error.reason };
  }
}

function metricOutcome(outcome: RefreshOutcome): RefreshMetricOutcome {
  switch (outcome.kind) {
    case 'token':
      return outcome.refreshed ? 'refreshed' : 'already_fresh';
    case 'reauthorization_required':
      return 'reauthorization_required';
    case 'unavailable':
      return outcome.reason === 'busy' ? 'busy' : 'transient_failure';
    case 'not_found':
      return 'error';
  }
}

/** The `refreshed` event written with a new pair (never a token in `detail`). */
interface RefreshedEvent {
  openId: string | null;
  detail: Record<string, unknown>;
}

/** The TikTok answer of this attempt, kept outside the transaction so a failed commit does not lose it. */
interface Attempt {
  grant?: TokenGrant;
  /** tokens_issued_at of the pair the grant replaces (set with the grant). */
  replacedIssuedAt?: string | null;
}

const SLOT_WAIT_MS = 5000;

/** How long a rotated pair whose write failed is retried: a database restart or failover. */
const PERSIST_RETRY_MS = 10 * 60 * 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Leaves at least two pooled connections for everything that is not a refresh. */
export function refreshSlots(config: AppConfig): number {
  return Math.max(1, Math.min(config.refresh.concurrency, config.databasePoolSize - 2));
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 1000));
}
