import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MAX_STATE_TTL_SECONDS } from '../config/environment';
import { requireId, selectColumns } from '../database/columns';
import { DeleteResult, retentionBatch } from '../database/retention-batch';
import { OAuthState } from './entities/oauth-state.entity';

const CONSUMED = selectColumns(OAuthState, 'oauth_states', ['browserHash', 'connectSessionId', 'appKey']);

export type ConsumedState = Pick<OAuthState, 'browserHash' | 'connectSessionId' | 'appKey'>;

/** oauth_states: pending consents, stored only as digests of the state and of the browser cookie. */
@Injectable()
export class OAuthStatesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** `connectSessionId`: the connect session the consent runs for; null: an anonymous consent. */
  async insert(state: Pick<OAuthState, 'stateHash' | 'browserHash' | 'connectSessionId' | 'appKey'>, ttlSeconds: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO oauth_states (state_hash, browser_hash, connect_session_id, expires_at, app_key)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4), $5)`,
      [
        requireId(state.stateHash, 'a state digest'),
        requireId(state.browserHash, 'a browser digest'),
        state.connectSessionId === null ? null : requireId(state.connectSessionId, 'a connect session id'),
        ttlSeconds,
        requireId(state.appKey, 'an app key'),
      ],
    );
  }

  /**
   * Deletes up to `batchSize` states that were consumed or expired before `cutoff` (one batch of the
   * housekeeping job, see retentionBatch); returns how many. A state is consumed only while it is live, so
   * one consumed before the cutoff expires before the cutoff plus the longest state life: that bound keeps
   * the statement on the index on expires_at.
   */
  async deleteDeadBefore(cutoff: Date, batchSize: number): Promise<number> {
    const [, deleted] = await this.dataSource.query<DeleteResult>(
      `DELETE FROM oauth_states WHERE state_hash = ANY(ARRAY(
         SELECT state_hash FROM oauth_states
          WHERE expires_at < $1::timestamptz + make_interval(secs => $3) AND (expires_at < $1 OR consumed_at < $1)
          ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      [...retentionBatch(cutoff, batchSize), MAX_STATE_TTL_SECONDS],
    );
    return deleted;
  }

  /**
   * Marks a live, unused state used and returns the browser digest and connect session it is bound to; null if there is none. One
   * UPDATE decides, so of two concurrent callbacks with one state exactly one gets it.
   */
  async consume(stateHash: string): Promise<ConsumedState | null> {
    const [rows] = await this.dataSource.query<[ConsumedState[], number]>(
      `UPDATE oauth_states SET consumed_at = now()
        WHERE state_hash = $1 AND consumed_at IS NULL AND expires_at > now()
        RETURNING ${CONSUMED}`,
      [requireId(stateHash, 'a state digest')],
    );
    return rows[0] ?? null;
  }
}
