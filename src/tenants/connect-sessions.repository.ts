import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import { DeleteResult, retentionBatch } from '../database/retention-batch';
import { ConnectSession } from './entities/connect-session.entity';

export type SessionRow = Pick<ConnectSession, 'id' | 'tenantId' | 'returnUrl' | 'status' | 'appKey' | 'expiresAt'>;

const SESSION = selectColumns(ConnectSession, 'c', ['id', 'tenantId', 'returnUrl', 'status', 'appKey', 'expiresAt']);

/**
 * connect_sessions: connect links, stored only as the SHA-256 digest of their token. Every method takes the
 * session, token digest or tenant it touches and refuses an empty one.
 */
@Injectable()
export class ConnectSessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Stores a new pending session valid `ttlSeconds` from now (the database's clock); returns its expiry.
   * `appKey`: the app its consent is for (null or absent: the default app). The service stores the default's
   * key too, so a later change of TIKTOK_APPS' order moves no session to another app.
   */
  async insert(
    session: Pick<ConnectSession, 'id' | 'tokenHash' | 'tenantId' | 'returnUrl' | 'createdByKeyId'> & { appKey?: string | null },
    ttlSeconds: number,
  ): Promise<Date> {
    const [row] = await this.dataSource.query<{ expiresAt: Date }[]>(
      `INSERT INTO connect_sessions (id, token_hash, tenant_id, return_url, created_by_key_id, app_key, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
       RETURNING expires_at AS "expiresAt"`,
      [
        requireId(session.id, 'a connect session id'),
        requireId(session.tokenHash, 'a token digest'),
        requireId(session.tenantId, 'a tenant id'),
        session.returnUrl,
        requireId(session.createdByKeyId, 'a key id'),
        session.appKey ?? null,
        ttlSeconds,
      ],
    );
    return row.expiresAt;
  }

  /** The session of a token digest while it can start a consent (pending, not expired); null otherwise. */
  async findUsable(tokenHash: string): Promise<SessionRow | null> {
    const [row] = await this.dataSource.query<SessionRow[]>(
      `SELECT ${SESSION} FROM connect_sessions c WHERE c.token_hash = $1 AND c.status = 'pending' AND c.expires_at > now()`,
      [requireId(tokenHash, 'a token digest')],
    );
    return row ?? null;
  }

  /** The session, whatever its status; null: none. */
  async find(id: string, manager: EntityManager = this.dataSource.manager): Promise<SessionRow | null> {
    const [row] = await manager.query<SessionRow[]>(`SELECT ${SESSION} FROM connect_sessions c WHERE c.id = $1`, [
      requireId(id, 'a connect session id'),
    ]);
    return row ?? null;
  }

  /**
   * Ends a pending session with the consent that completed through it, in the consent's transaction; false
   * when it was no longer pending (completed by a concurrent consent, or cancelled by an offboarding).
   * A consent started before the session expired may complete after: the state has its own, shorter life.
   */
  async complete(manager: EntityManager, id: string, authorizationId: string): Promise<boolean> {
    const [rows] = await manager.query<[unknown[], number]>(
      `UPDATE connect_sessions SET status = 'completed', ended_at = now(), authorization_id = $2
        WHERE id = $1 AND status = 'pending' RETURNING id`,
      [requireId(id, 'a connect session id'), requireId(authorizationId, 'an authorization id')],
    );
    return rows.length > 0;
  }

  /** Cancels every pending session of the tenant; returns how many. */
  async cancelPending(manager: EntityManager, tenantId: string): Promise<number> {
    const [rows] = await manager.query<[unknown[], number]>(
      `UPDATE connect_sessions SET status = 'cancelled', ended_at = now()
        WHERE tenant_id = $1 AND status = 'pending' RETURNING id`,
      [requireId(tenantId, 'a tenant id')],
    );
    return rows.length;
  }

  /**
   * Deletes up to `batchSize` sessions that ended (completed, cancelled) or expired before `cutoff`, with
   * their states (ON DELETE CASCADE); one batch of the housekeeping job (see retentionBatch). A pending,
   * unexpired session has neither. ended_at has no index: the job keeps this table to about a day of
   * sessions, and only API keys create them.
   */
  async deleteEndedBefore(cutoff: Date, batchSize: number): Promise<number> {
    const [, deleted] = await this.dataSource.query<DeleteResult>(
      `DELETE FROM connect_sessions WHERE id = ANY(ARRAY(
         SELECT id FROM connect_sessions WHERE expires_at < $1 OR ended_at < $1
          ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      retentionBatch(cutoff, batchSize),
    );
    return deleted;
  }
}
