import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { withRowLock } from '../database/row-lock';
import { AuthorizationEventsRepository } from './authorization-events.repository';
import { authorizationEndSql, endsSoonSql } from './derived-status';
import { SellerAuthorization } from './entities/seller-authorization.entity';

/** An authorization as a refresh reads it under its row lock. */
export type LockedForRefresh = Pick<
  SellerAuthorization,
  | 'status'
  | 'accessToken'
  | 'refreshToken'
  | 'accessTokenExpiresAt'
  | 'refreshTokenExpiresAt'
  | 'lastRefreshedAt'
  | 'nextRefreshAt'
  | 'refreshFailures'
  | 'openId'
  | 'tenantId'
  | 'appKey'
> & {
  /** tokens_issued_at as text, with PostgreSQL's microseconds (a JavaScript Date would drop them and never compare equal). */
  issuedAt: string | null;
  /** The database's clock, read with the lock. */
  now: Date;
};

/**
 * Where a scheduler run's claims stand: when its first claim was made (the database's time), and the last row
 * claimed in (access_token_expires_at, id) order. Times are exact fixed-width UTC text (microseconds).
 */
export interface ClaimCursor {
  startedAt: string;
  expiresAt: string;
  id: string;
}

/** A timestamptz expression as exact, fixed-width UTC text, e.g. `2026-12-03T14:06:05.123456Z`. */
const exactTime = (expression: string): string => `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A refreshed pair: tokens already encrypted and bound to the row; `issuedAt` with microseconds, as text. */
export type RefreshedPair = {
  [K in 'accessToken' | 'refreshToken' | 'accessTokenExpiresAt' | 'refreshTokenExpiresAt']: NonNullable<SellerAuthorization[K]>;
} & {
  issuedAt: string;
  /** Empty: TikTok did not say, the stored scopes stand. */
  grantedScopes: string[];
};

/** The `refreshed` event written with a new pair (never a token in `detail`). */
export interface RefreshedEvent {
  openId: string | null;
  detail: Record<string, unknown>;
}

const LOCKED = `${selectColumns(SellerAuthorization, 'seller_authorizations', [
  'appKey',
  'status',
  'accessToken',
  'refreshToken',
  'accessTokenExpiresAt',
  'refreshTokenExpiresAt',
  'lastRefreshedAt',
  'nextRefreshAt',
  'refreshFailures',
  'tenantId',
  'openId',
])}, tokens_issued_at::text AS "issuedAt", now() AS now`;

const ANNOUNCED = selectColumns(SellerAuthorization, 'seller_authorizations', ['id', 'appKey', 'openId', 'tenantId']);

/**
 * seller_authorizations' refresh bookkeeping: the row lock a refresh holds across its TikTok call, the pair
 * it stores, its failures and backoff, the scheduler's claims, and the `expiring` announcements.
 */
@Injectable()
export class AuthorizationRefreshRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly bus: InvalidationBus,
  ) {}

  /**
   * Runs `work` in a transaction holding the authorization's row lock (`undefined`: no such row), with its own
   * idle_in_transaction_session_timeout: the lock is held across the TikTok call, and a shorter server-side
   * setting would kill the session after TikTok rotated the pair. BEGIN and the lock cost one round trip.
   */
  withLocked<T>(
    authorizationId: string,
    idleTimeoutMs: number,
    work: (manager: EntityManager, row: LockedForRefresh | undefined) => Promise<T>,
  ): Promise<T> {
    const id = requireId(authorizationId, 'an authorization id');
    return withRowLock<LockedForRefresh, T>(this.dataSource, { columns: LOCKED, table: 'seller_authorizations', id, idleTimeoutMs }, work);
  }

  /**
   * Writes a refreshed pair, but only over the pair it replaces (compare-and-set on when that pair was
   * issued, which key rotation leaves alone): never over a newer consent or refresh. In the same statement
   * (one round trip): the scheduler's claim is cleared, the `refreshed` event recorded if the pair was written,
   * and the other replicas' caches told when the transaction commits. Returns whether the pair was written.
   */
  async storeRefreshedPair(
    manager: EntityManager,
    authorizationId: string,
    pair: RefreshedPair,
    replacedIssuedAt: string | null,
    event: RefreshedEvent,
  ): Promise<boolean> {
    const id = requireId(authorizationId, 'an authorization id');
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
       ), event AS (${AuthorizationEventsRepository.insertFor('stored', 'refreshed', '$9::varchar', '$10::jsonb')})
       SELECT (SELECT count(*) FROM stored)::int AS stored, pg_notify($11, $12) AS notified`,
      [
        id,
        pair.accessToken,
        pair.refreshToken,
        pair.accessTokenExpiresAt,
        pair.refreshTokenExpiresAt,
        pair.issuedAt,
        pair.grantedScopes,
        replacedIssuedAt,
        event.openId,
        JSON.stringify(event.detail),
        channel,
        payload,
      ],
    );
    return result.stored === 1;
  }

  /** TikTok says the grant is gone: only a new consent helps. */
  async markReauthorizationRequired(manager: EntityManager, authorizationId: string, reason: string): Promise<void> {
    await manager.query(
      `UPDATE seller_authorizations SET status = 'reauthorization_required', last_refresh_error = $2,
         last_refresh_attempt_at = now(), next_refresh_at = NULL, refresh_claimed_until = NULL, updated_at = now()
       WHERE id = $1`,
      [requireId(authorizationId, 'an authorization id'), reason],
    );
  }

  /** A transient failure: the `failures`-th in a row, retried in `delaySeconds` at the earliest. */
  async recordTransientFailure(
    manager: EntityManager,
    authorizationId: string,
    failures: number,
    delaySeconds: number,
    reason: string,
  ): Promise<void> {
    await manager.query(
      `UPDATE seller_authorizations SET refresh_failures = $2, next_refresh_at = now() + make_interval(secs => $3),
         last_refresh_error = $4, last_refresh_attempt_at = now(), refresh_claimed_until = NULL, updated_at = now()
       WHERE id = $1`,
      [requireId(authorizationId, 'an authorization id'), failures, delaySeconds, reason],
    );
  }

  /** A failure that is not TikTok's doing: counted as `internal_error`. Returns the failures in a row, 0 if no such row. */
  async countInternalFailure(manager: EntityManager, authorizationId: string): Promise<number> {
    const [rows] = await manager.query<[Pick<SellerAuthorization, 'refreshFailures'>[], number]>(
      `UPDATE seller_authorizations SET refresh_failures = refresh_failures + 1, last_refresh_error = 'internal_error',
         last_refresh_attempt_at = now(), updated_at = now()
       WHERE id = $1 RETURNING refresh_failures AS "refreshFailures"`,
      [requireId(authorizationId, 'an authorization id')],
    );
    return rows[0]?.refreshFailures ?? 0;
  }

  async deferNextRefresh(manager: EntityManager, authorizationId: string, delaySeconds: number): Promise<void> {
    await manager.query('UPDATE seller_authorizations SET next_refresh_at = now() + make_interval(secs => $2) WHERE id = $1', [
      requireId(authorizationId, 'an authorization id'),
      delaySeconds,
    ]);
  }

  /**
   * Claims up to `limit` active authorizations whose access token expires within `aheadSeconds`, not in
   * backoff, not claimed by another run, soonest first: FOR UPDATE SKIP LOCKED, then a lease of `claimSeconds`
   * in refresh_claimed_until, so replicas share the work and a killed run's claims lapse.
   *
   * A run's later claims pass the `cursor` the previous one returned, and cost the same however many came
   * before: they go on in expiry order after the last row claimed (rows in backoff or refreshed behind it are
   * not read again; one that becomes due behind it waits for the next run), and skip rows stamped
   * (refresh_claimed_at) since the run's first claim, so a refreshed token still due is not claimed twice.
   *
   * Authorizations of the apps in `pausedAppKeys` are left alone (TikTok refuses those apps' credentials for now).
   */
  async claimDue(
    aheadSeconds: number,
    limit: number,
    claimSeconds: number,
    cursor: ClaimCursor | null,
    pausedAppKeys: readonly string[] = [],
  ): Promise<{ ids: string[]; cursor: ClaimCursor | null }> {
    const [rows] = await this.dataSource.query<[{ id: string; claimedAt: string; expiresAt: string }[], number]>(
      `UPDATE seller_authorizations SET refresh_claimed_until = now() + make_interval(secs => $3), refresh_claimed_at = now()
        WHERE id IN (
          SELECT id FROM seller_authorizations
           WHERE status = 'active'
             AND access_token_expires_at < now() + make_interval(secs => $1)
             AND (next_refresh_at IS NULL OR next_refresh_at <= now())
             AND (refresh_claimed_until IS NULL OR refresh_claimed_until < now())
             AND ($4::timestamptz IS NULL OR refresh_claimed_at IS NULL OR refresh_claimed_at < $4::timestamptz)
             AND ($5::timestamptz IS NULL OR (access_token_expires_at, id) > ($5::timestamptz, $6::uuid))
             AND app_key <> ALL($7::varchar[])
           ORDER BY access_token_expires_at, id
           LIMIT $2
           FOR UPDATE SKIP LOCKED)
        RETURNING id, ${exactTime('now()')} AS "claimedAt", ${exactTime('access_token_expires_at')} AS "expiresAt"`,
      [aheadSeconds, limit, claimSeconds, cursor?.startedAt ?? null, cursor?.expiresAt ?? null, cursor?.id ?? null, pausedAppKeys],
    );
    if (rows.length === 0) return { ids: [], cursor: null };
    // Fixed-width UTC text sorts like the times it spells.
    const last = rows.reduce((a, b) => (a.expiresAt > b.expiresAt || (a.expiresAt === b.expiresAt && a.id > b.id) ? a : b));
    return {
      ids: rows.map((row) => row.id),
      cursor: { startedAt: cursor?.startedAt ?? rows[0].claimedAt, expiresAt: last.expiresAt, id: last.id },
    };
  }

  async releaseClaims(authorizationIds: string[]): Promise<void> {
    for (const id of authorizationIds) requireId(id, 'an authorization id');
    await this.dataSource.query(
      'UPDATE seller_authorizations SET refresh_claimed_until = NULL WHERE id = ANY($1::uuid[]) AND refresh_claimed_until IS NOT NULL',
      [authorizationIds],
    );
  }

  /**
   * Marks up to 1,000 active authorizations that entered the expiring window and were not announced yet,
   * skipping those another replica is marking, and returns them with when they end.
   */
  async markExpiring(
    manager: EntityManager,
  ): Promise<(Pick<SellerAuthorization, 'id' | 'appKey' | 'openId' | 'tenantId'> & { endsAt: Date })[]> {
    const [rows] = await manager.query<[(Pick<SellerAuthorization, 'id' | 'appKey' | 'openId' | 'tenantId'> & { endsAt: Date })[], number]>(
      `UPDATE seller_authorizations SET expiring_notified_at = now()
        WHERE id IN (SELECT id FROM seller_authorizations a
                      WHERE status = 'active' AND expiring_notified_at IS NULL AND ${endsSoonSql('a')}
                      -- the ordering keeps the planner on the index of when authorizations end
                      ORDER BY ${authorizationEndSql('a')}
                      LIMIT 1000 FOR UPDATE SKIP LOCKED)
        RETURNING ${ANNOUNCED}, ${authorizationEndSql('seller_authorizations')} AS "endsAt"`,
    );
    return rows;
  }
}
