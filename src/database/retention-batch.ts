/**
 * The arguments of one batch of a retention delete (the housekeeping job). Each table's repository deletes at
 * most `batchSize` rows older than `cutoff` per call, in one statement and hence one short transaction:
 *
 *   DELETE FROM t WHERE key = ANY(ARRAY(SELECT key FROM t WHERE <old> ORDER BY <age> LIMIT $2 FOR UPDATE SKIP LOCKED))
 *
 * ARRAY(...) runs the subquery once, before the delete; SKIP LOCKED passes over rows that another replica's
 * batch, or any writer, holds, so replicas delete disjoint rows and a batch never waits for a writer.
 */
export function retentionBatch(cutoff: Date, batchSize: number): [Date, number] {
  if (!(cutoff instanceof Date) || Number.isNaN(cutoff.getTime())) throw new Error('a cutoff date is required');
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new Error(`not a batch size: ${batchSize}`);
  return [cutoff, batchSize];
}

/** What TypeORM answers to a DELETE on PostgreSQL: the rows it returned and how many it deleted. */
export type DeleteResult = [unknown[], number];
