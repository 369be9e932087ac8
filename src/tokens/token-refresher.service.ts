import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { backoffSeconds } from '../common/backoff';
import { TokenCipher } from '../common/crypto/token-cipher';
import { TiktokAppHealth } from '../common/app-health/tiktok-app-health';
import { Semaphore, SemaphoreTimeoutError } from '../common/semaphore';
import { AppConfig } from '../config/app-config';
import { TiktokApps } from '../config/tiktok-apps';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { lockIdleTimeoutMs } from '../database/row-lock';
import { MetricsService, RefreshMetricOutcome } from '../metrics/metrics.service';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthorizationEventsRepository } from '../shops/authorization-events.repository';
import { AuthorizationRefreshRepository, LockedForRefresh } from '../shops/authorization-refresh.repository';
import { AuthorizationsRepository } from '../shops/authorizations.repository';
import { openToken } from '../shops/token-binding';
import { TiktokClient } from '../tiktok/tiktok.client';
import { TiktokError } from '../tiktok/tiktok.errors';
import type { TokenGrant } from '../tiktok/tiktok.types';
import type { RefreshOutcome, RefreshRequest } from './refresh.types';
import { refreshedPair, UnsavedPairs } from './unsaved-pairs';

export type { RefreshOutcome, RefreshRequest, RefreshTrigger } from './refresh.types';

/** The TikTok answer of this attempt, kept outside the transaction so a failed commit does not lose it. */
interface Attempt {
  /** The id of the authorization's app, once its row is read (a metric label). */
  app?: string;
  grant?: TokenGrant;
  /** The issue time of the pair the grant replaces (set with the grant). */
  replacedIssuedAt?: string | null;
}

const SLOT_WAIT_MS = 5000;

/** The `unavailable` reason of a refresh not tried because its app is paused (TiktokAppHealth). */
const APP_BACKOFF = 'app_backoff';

/** Leaves at least two pooled connections for everything that is not a refresh. */
export function refreshSlots(config: AppConfig): number {
  return Math.max(1, Math.min(config.refresh.concurrency, config.databasePoolSize - 2));
}

/**
 * The one refresh path, used by the token API, the scheduler and admin calls:
 * in-process single-flight per authorization, then the row lock in a short transaction, a re-read (another
 * replica may have refreshed meanwhile: then its token is used), the TikTok call, and the new access AND
 * refresh tokens persisted in that same transaction. Transient failures back off; only TikTok's
 * "this grant is gone" answers mark the authorization for re-consent. While TikTok refuses an APP's credentials
 * (TiktokAppHealth) that app's refreshes do not call TikTok at all, except the one probe and admin refreshes.
 */
@Injectable()
export class TokenRefresher {
  private readonly logger = new Logger(TokenRefresher.name);
  private readonly inFlight = new Map<string, { request: RefreshRequest; promise: Promise<RefreshOutcome> }>();
  /**
   * A refresh holds a pooled connection for the whole TikTok call. Capping refreshes (API and scheduler
   * together) below the pool size keeps connections free for key checks and token reads during a slow TikTok.
   */
  private readonly slots: Semaphore;

  constructor(
    private readonly config: AppConfig,
    private readonly apps: TiktokApps,
    private readonly appHealth: TiktokAppHealth,
    private readonly refreshes: AuthorizationRefreshRepository,
    private readonly authorizations: AuthorizationsRepository,
    private readonly cipher: TokenCipher,
    private readonly tiktok: TiktokClient,
    private readonly events: AuthorizationEventsRepository,
    private readonly notifications: NotificationsService,
    private readonly metrics: MetricsService,
    private readonly bus: InvalidationBus,
    private readonly unsaved: UnsavedPairs,
  ) {
    this.slots = new Semaphore(refreshSlots(config));
  }

  /** How many refreshes may hold a connection at once on this instance. */
  get capacity(): number {
    return this.slots.size;
  }

  refresh(request: RefreshRequest): Promise<RefreshOutcome> {
    if (!request.authorizationId) throw new Error('refresh needs an authorization id');
    const running = this.inFlight.get(request.authorizationId);
    if (running) {
      if (request.force !== 'always' || running.request.force === 'always') return running.promise;
      // An admin's refresh promises a call to TikTok, which a running refresh of another kind may not make
      // (it may find the token fresh, or wait out a backoff): it shares that one only if it rotated the pair.
      const again = () => this.refresh(request);
      return running.promise.then((outcome) => (outcome.kind === 'token' && outcome.refreshed ? outcome : again()), again);
    }
    // Its newest pair is not stored yet and the stored refresh token is dead: no refresh until it is.
    const pending = this.unsaved.pending(request);
    if (pending) return Promise.resolve(pending);
    const attempt: Attempt = {};
    // Without `app` when no row was read (busy, not found): prom-client leaves the label out.
    const labels = (outcome: RefreshMetricOutcome) =>
      attempt.app === undefined ? { outcome, trigger: request.trigger } : { outcome, trigger: request.trigger, app: attempt.app };
    const promise = this.refreshWithSlot(request, attempt)
      .then(
        (outcome) => {
          this.metrics.refreshes.inc(labels(metricOutcome(outcome)));
          return outcome;
        },
        (error: unknown) => {
          this.metrics.refreshes.inc(labels('error'));
          throw error;
        },
      )
      .finally(() => this.inFlight.delete(request.authorizationId));
    this.inFlight.set(request.authorizationId, { request, promise });
    return promise;
  }

  private async refreshWithSlot(request: RefreshRequest, attempt: Attempt): Promise<RefreshOutcome> {
    let release: () => void;
    try {
      release = await this.slots.acquire(SLOT_WAIT_MS);
    } catch (error) {
      if (error instanceof SemaphoreTimeoutError) return { kind: 'unavailable', retryAfterSeconds: 1, reason: 'busy' };
      throw error;
    }
    try {
      return await this.refreshes.withLocked(request.authorizationId, lockIdleTimeoutMs(this.config.tiktok.timeoutMs), (manager, row) =>
        this.refreshLocked(manager, row, request, attempt),
      );
    } catch (error) {
      // TikTok rotated the pair but the transaction died (connection lost, failover, session killed):
      // the new pair exists nowhere else, so write it again on a fresh connection before anything else.
      if (attempt.grant) return this.unsaved.persist(request, attempt.grant, attempt.replacedIssuedAt ?? null, error);
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
    row: LockedForRefresh | undefined,
    request: RefreshRequest,
    attempt: Attempt,
  ): Promise<RefreshOutcome> {
    const id = request.authorizationId;
    if (!row) return { kind: 'not_found' };
    attempt.app = this.apps.idOf(row.appKey);
    const { accessToken, refreshToken } = row;
    if (row.status !== 'active' || !accessToken || !refreshToken) return { kind: 'reauthorization_required', reason: row.status };
    const current = this.currentToken(id, row, accessToken, request);
    if (current) return current;
    const now = row.now;
    if (!row.refreshTokenExpiresAt || row.refreshTokenExpiresAt <= now)
      return this.requireReauthorization(manager, row, id, request, 'refresh_token_expired');
    if (row.nextRefreshAt && row.nextRefreshAt > now && !request.ignoreBackoff) {
      return { kind: 'unavailable', retryAfterSeconds: secondsBetween(now, row.nextRefreshAt), reason: 'backoff' };
    }
    // The app the seller granted: its credentials refresh the pair.
    const app = this.apps.requireKey(row.appKey);
    // The app's credentials are refused: this seller's grant is not the problem, so its failure count stays.
    const appWait = request.ignoreBackoff ? undefined : this.appHealth.admit(app.appKey);
    if (appWait !== undefined) return { kind: 'unavailable', retryAfterSeconds: appWait, reason: APP_BACKOFF };

    let grant: TokenGrant;
    const stopTimer = this.metrics.refreshDuration.startTimer();
    try {
      grant = await this.tiktok.refresh(app, openToken(this.cipher, id, 'refresh_token', refreshToken));
      stopTimer({ outcome: 'success', app: app.id });
      attempt.grant = grant;
      attempt.replacedIssuedAt = row.issuedAt;
    } catch (error) {
      stopTimer({ outcome: 'failure', app: app.id });
      if (!(error instanceof TiktokError)) throw error;
      if (error.requiresReauthorization) return this.requireReauthorization(manager, row, id, request, error.reason, error.tiktokCode);
      return this.recordTransientFailure(manager, row, id, request, error);
    }
    // The row is locked: the pair it replaces is still there, so this write cannot be refused.
    const event = {
      openId: row.openId,
      detail: { trigger: request.trigger, access_token_expires_at: grant.accessTokenExpiresAt.toISOString() },
    };
    if (!(await this.refreshes.storeRefreshedPair(manager, id, refreshedPair(this.cipher, id, grant), row.issuedAt, event))) {
      throw new Error(`authorization ${id}: refreshed pair not written`);
    }
    return { kind: 'token', refreshed: true, accessToken: grant.accessToken, accessTokenExpiresAt: grant.accessTokenExpiresAt };
  }

  /**
   * The stored token, when it does what the request needs: still valid for `neededUntil` (another request or
   * replica refreshed while this one waited for the lock), or, for a forced refresh, refreshed moments ago.
   * Never for an `always` refresh.
   */
  private currentToken(id: string, row: LockedForRefresh, accessToken: string, request: RefreshRequest): RefreshOutcome | undefined {
    if (request.force === 'always') return undefined;
    const now = row.now.getTime();
    const expiresAt = row.accessTokenExpiresAt?.getTime() ?? 0;
    const fresh = request.force
      ? row.lastRefreshedAt !== null &&
        now - row.lastRefreshedAt.getTime() < this.config.refresh.forcedRefreshDedupSeconds * 1000 &&
        expiresAt > now
      : expiresAt >= (request.neededUntil?.getTime() ?? now);
    if (!fresh) return undefined;
    return {
      kind: 'token',
      refreshed: false,
      accessToken: openToken(this.cipher, id, 'access_token', accessToken),
      accessTokenExpiresAt: row.accessTokenExpiresAt as Date,
    };
  }

  private async requireReauthorization(
    manager: EntityManager,
    row: LockedForRefresh,
    id: string,
    request: RefreshRequest,
    reason: string,
    tiktokCode?: number,
  ): Promise<RefreshOutcome> {
    await this.refreshes.markReauthorizationRequired(manager, id, reason);
    await this.bus.publish(manager, { kind: 'authorization', id });
    await this.events.record(
      {
        type: 'reauthorization_required',
        authorizationId: id,
        openId: row.openId,
        detail: { trigger: request.trigger, reason, tiktok_code: tiktokCode ?? null },
      },
      manager,
    );
    await this.notifications.statusChanged(manager, {
      status: 'reauthorization_required',
      previousStatus: row.status,
      authorizationId: id,
      appKey: row.appKey,
      tenantId: row.tenantId,
      openId: row.openId,
      shopIds: await this.authorizations.activeShopIds(manager, id),
      reason,
    });
    this.logger.warn(`authorization ${id} needs a new consent (${reason})`);
    return { kind: 'reauthorization_required', reason };
  }

  private async recordTransientFailure(
    manager: EntityManager,
    row: LockedForRefresh,
    id: string,
    request: RefreshRequest,
    error: TiktokError,
  ): Promise<RefreshOutcome> {
    const failures = row.refreshFailures + 1;
    const delay = backoffSeconds(failures, this.config.refresh.backoffBaseSeconds, this.config.refresh.backoffMaxSeconds);
    await this.refreshes.recordTransientFailure(manager, id, failures, delay, error.reason);
    await this.events.record(
      {
        type: 'refresh_failed',
        authorizationId: id,
        openId: row.openId,
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
      if (outcome.reason === 'busy') return 'busy';
      return outcome.reason === APP_BACKOFF ? 'app_backoff' : 'transient_failure';
    case 'not_found':
      return 'error';
  }
}

function secondsBetween(from: Date, to: Date): number {
  return Math.max(1, Math.ceil((to.getTime() - from.getTime()) / 1000));
}
