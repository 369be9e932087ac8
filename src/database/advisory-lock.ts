import type { DataSource, QueryRunner } from 'typeorm';

/** Namespace for this service's advisory locks (first int of the two-int form), so they never meet another app's. */
export const LOCK_NAMESPACE = 0x7474_5301;

export const LockIds = {
  migrations: 1,
} as const;

/**
 * Runs `work` on one dedicated connection while it holds a session-level advisory lock. Only for start-up
 * work such as migrations, where every replica must wait its turn; `work` gets that same connection, so it
 * needs no second one from the pool. Background jobs use transaction-scoped locks instead.
 */
export async function withSessionLock<T>(dataSource: DataSource, lockId: number, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, lockId]);
    try {
      return await work(runner);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, lockId]);
    }
  } finally {
    await runner.release();
  }
}
