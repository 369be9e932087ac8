import { Client } from 'pg';
import { RefreshScheduler } from '../../src/tokens/refresh.scheduler';
import { query } from '../support/database';
import { Cluster, consentVia, emulatorStats, sandboxControl, seedSellers, startCluster } from '../support/replicas';

const SELLERS = 24;
const BATCH = 4;
const CLAIM = 'SET refresh_claimed_until = now() +';
const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * The parameters of the scheduler's claim statements sent in this process while `work` runs, as sent (copied
 * at the call: the caller may change an array it passed afterwards).
 */
async function recordClaims(work: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  const original = Client.prototype.query as (...args: unknown[]) => unknown;
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
    const [sql, values] = args;
    if (typeof sql === 'string' && sql.includes(CLAIM)) sent.push(JSON.stringify(values ?? []));
    return original.apply(this, args);
  });
  try {
    await work();
    return sent;
  } finally {
    spy.mockRestore();
  }
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/** Rows of seller_authorizations a plan's scans read: those returned and those a filter threw away. */
function rowsRead(node: PlanNode): number {
  const own =
    /Scan/.test(node['Node Type']) && node['Relation Name'] === 'seller_authorizations'
      ? ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0)) * (node['Actual Loops'] ?? 1)
      : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child), 0);
}

/**
 * For each claim statement sent while `work` runs, the rows it reads at that moment: just before it goes out,
 * the same statement runs under EXPLAIN ANALYZE on another connection, in a transaction rolled back.
 */
async function claimReads(url: string, work: () => Promise<unknown>): Promise<number[]> {
  const probe = new Client({ connectionString: url });
  await probe.connect();
  const reads: number[] = [];
  const original = Client.prototype.query as (...args: unknown[]) => Promise<unknown>;
  const explain = async (sql: string, values: unknown): Promise<number> => {
    await original.call(probe, 'BEGIN');
    try {
      // A table this small is read whole by a sequential scan whatever the claim asks for; at scale the
      // planner takes the expiry index (BENCHMARKS.md's plans at 100,000 shops), and that path is measured here.
      await original.call(probe, 'SET LOCAL enable_seqscan = off');
      const result = (await original.call(probe, `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, values)) as {
        rows: { 'QUERY PLAN': { Plan: PlanNode }[] }[];
      };
      return rowsRead(result.rows[0]['QUERY PLAN'][0].Plan);
    } finally {
      await original.call(probe, 'ROLLBACK');
    }
  };
  // TypeORM uses the promise form of Client#query, which this stands in for.
  const probing = function (this: Client, ...args: unknown[]): unknown {
    const [sql, values] = args;
    if (this === probe || typeof sql !== 'string' || !sql.includes(CLAIM)) return original.apply(this, args);
    return explain(sql, values).then((read) => {
      reads.push(read);
      return original.apply(this, args);
    });
  };
  const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(probing);
  try {
    await work();
    return reads;
  } finally {
    spy.mockRestore();
    await probe.end();
  }
}

describe('a scheduler run with many authorizations due at once (after an outage)', () => {
  let cluster: Cluster;
  let sellers: { openId: string; shopId: string }[];

  beforeAll(async () => {
    cluster = await startCluster(1, { REFRESH_BATCH_SIZE: String(BATCH), REFRESH_CONCURRENCY: '2' });
    sellers = await seedSellers(cluster.sandbox, SELLERS, 'due');
    for (const seller of sellers) await consentVia(cluster.instances[0], cluster.sandbox, seller.openId);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('claims each authorization once, and no claim sends the ids the run has already seen', async () => {
    // Tokens living an hour stay due (REFRESH_AHEAD_SECONDS is a day) after their refresh: only the run's own
    // bookkeeping keeps it from claiming them again.
    await sandboxControl(cluster.sandbox, 'config', { access_token_ttl_seconds: 3600 });
    await query(cluster.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '1 hour'");
    const before = await emulatorStats(cluster.sandbox);

    let run: unknown;
    const claims = await recordClaims(async () => {
      run = await cluster.instances[0].app.get(RefreshScheduler).runOnce();
    });

    expect(run).toMatchObject({ claimed: SELLERS, refreshed: SELLERS, failed: 0 });
    const after = await emulatorStats(cluster.sandbox);
    for (const seller of sellers) {
      expect((after.refreshes_by_open_id[seller.openId] ?? 0) - (before.refreshes_by_open_id[seller.openId] ?? 0)).toBe(1);
    }
    // Batch after batch, then the empty claim that ends the run.
    expect(claims.length).toBeGreaterThanOrEqual(SELLERS / BATCH + 1);
    // The work of a claim does not grow with the run: the first sends no authorization id, every later one
    // just its cursor's (a list of those already seen made the run quadratic), and each sends as much as the second.
    const idsSent = claims.map((values) => values.match(UUIDS)?.length ?? 0);
    expect(idsSent).toEqual(claims.map((_, index) => (index === 0 ? 0 : 1)));
    const sizes = claims.slice(1).map((values) => values.length);
    expect(new Set(sizes).size).toBe(1);
  });

  it('reads about one batch per claim while TikTok is down, not again every row the run already tried', async () => {
    // Every refresh fails and goes into backoff, still due, with the expiries in whole seconds (as TikTok's are,
    // so many tokens share one): a claim that read every row of the run before it would read up to all of them.
    await sandboxControl(cluster.sandbox, 'faults', { endpoint: '*', type: 'http_503' });
    await query(
      cluster.db.url,
      "UPDATE seller_authorizations SET access_token_expires_at = date_trunc('second', now()) + interval '1 hour', next_refresh_at = NULL",
    );
    await query(cluster.db.url, 'ANALYZE seller_authorizations');
    // With statistics, as a production table has (and as autovacuum may have made them by now anyway).
    await query(cluster.db.url, 'ANALYZE seller_authorizations');
    let run: unknown;
    const reads = await claimReads(cluster.db.url, async () => {
      run = await cluster.instances[0].app.get(RefreshScheduler).runOnce();
    });
    expect(run).toMatchObject({ claimed: SELLERS, failed: SELLERS });
    expect(reads.length).toBeGreaterThanOrEqual(SELLERS / BATCH + 1);
    // A batch found on the index, then the same rows updated by id: never more, however far the run has got.
    expect(reads.filter((read) => read > 2 * BATCH)).toEqual([]);
    await sandboxControl(cluster.sandbox, 'faults', undefined, 'DELETE');
  });
});
