import type { PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '../common/ids';

/**
 * The idle_in_transaction_session_timeout of a transaction that holds a row lock across a TikTok call: the
 * call's own timeout and 10 s for the writes around it.
 */
export function lockIdleTimeoutMs(tiktokTimeoutMs: number): number {
  return tiktokTimeoutMs + 10_000;
}

export interface RowLock {
  /** The select list (trusted SQL written in this codebase). */
  columns: string;
  /** The table, whose primary key `id` is a uuid. */
  table: string;
  id: string;
  /**
   * This transaction's own idle_in_transaction_session_timeout: the lock may be held across a slow call
   * elsewhere, and a shorter server-side setting would kill the session meanwhile.
   */
  idleTimeoutMs: number;
}

/**
 * Runs `work` in a transaction that holds the lock on one row (`undefined` if there is none), and commits.
 * BEGIN and the `SELECT ... FOR UPDATE` go out as one simple-protocol query, so opening the transaction and
 * locking costs one round trip; node-postgres cannot send a parameterised query in the same round trip, so
 * the id and the timeout are validated and inlined. Statements run through `manager` join the transaction,
 * TypeORM's `save` included.
 */
export async function withRowLock<Row, T>(
  dataSource: DataSource,
  lock: RowLock,
  work: (manager: EntityManager, row: Row | undefined) => Promise<T>,
): Promise<T> {
  if (!isUuid(lock.id)) throw new Error(`not a uuid: ${JSON.stringify(String(lock.id).slice(0, 64))}`);
  if (!Number.isSafeInteger(lock.idleTimeoutMs) || lock.idleTimeoutMs <= 0) throw new Error(`bad idle timeout: ${lock.idleTimeoutMs}`);
  const runner = dataSource.createQueryRunner('master');
  // The transaction is ours, not TypeORM's: without this, `save` would open one of its own on this connection
  // (PostgreSQL only warns) and COMMIT it, ending ours early and releasing the lock.
  const typeorm = runner as { isTransactionActive: boolean };
  let client: PoolClient | undefined;
  let open = false;
  try {
    client = (await runner.connect()) as PoolClient;
    open = true;
    typeorm.isTransactionActive = true;
    // A multi-statement query answers with one result per statement.
    const results = (await client.query(
      `BEGIN; SELECT ${lock.columns}, set_config('idle_in_transaction_session_timeout', '${lock.idleTimeoutMs}ms', true) AS idle_timeout
         FROM ${lock.table} WHERE id = '${lock.id}' FOR UPDATE`,
    )) as unknown as [unknown, { rows: Row[] }];
    const value = await work(runner.manager, results[1].rows[0]);
    await client.query('COMMIT');
    open = false;
    return value;
  } catch (error) {
    if (open && client) await rollback(client);
    throw error;
  } finally {
    typeorm.isTransactionActive = false;
    await runner.release();
  }
}

/** A connection whose transaction could not be ended must not go back to the pool, which drops an ended client. */
async function rollback(client: PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
  } catch {
    client.end().catch(() => undefined);
  }
}
