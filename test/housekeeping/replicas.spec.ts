import { HousekeepingRunSummary, HousekeepingScheduler } from '../../src/housekeeping/housekeeping.scheduler';
import { query } from '../support/database';
import { Cluster, startCluster } from '../support/replicas';
import { OldRows, TABLES } from './old-rows';

const ROWS = 300;

describe('housekeeping on two replicas at once', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster(2, { HOUSEKEEPING_BATCH_SIZE: '7' });
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('deletes every old row exactly once between them, and neither run fails', async () => {
    const url = cluster.db.url;
    await new OldRows(url).tenant('acme');
    const series = `generate_series(1, ${ROWS}) AS i`;
    await query(
      url,
      `INSERT INTO oauth_states (state_hash, browser_hash, expires_at) SELECT md5(i::text) || md5(i::text), repeat('0', 64), now() - interval '2 days' FROM ${series}`,
    );
    await query(
      url,
      `INSERT INTO connect_sessions (id, token_hash, tenant_id, status, created_by_key_id, created_at, expires_at)
       SELECT gen_random_uuid(), md5(i::text) || md5(i::text), 'acme', 'pending', 'admin', now() - interval '3 days', now() - interval '2 days' FROM ${series}`,
    );
    await query(
      url,
      `INSERT INTO webhook_deliveries (notification_id, type, outcome, received_at) SELECT 'n' || i, 6, 'revoked', now() - interval '40 days' FROM ${series}`,
    );
    await query(
      url,
      `INSERT INTO notification_outbox (event_id, type, payload, created_at, delivered_at)
       SELECT gen_random_uuid(), 'authorization.status_changed', '{}', now() - interval '40 days', now() - interval '40 days' FROM ${series}`,
    );
    await query(url, `INSERT INTO authorization_events (type, created_at) SELECT 'granted', now() - interval '400 days' FROM ${series}`);

    const summaries: HousekeepingRunSummary[] = await Promise.all(
      cluster.instances.map((instance) => instance.app.get(HousekeepingScheduler).runOnce()),
    );
    for (const summary of summaries) expect(summary).toMatchObject({ skipped: false, failed: [], stopped: false });
    for (const table of TABLES) {
      expect({ table, deleted: summaries[0].deleted[table] + summaries[1].deleted[table] }).toEqual({ table, deleted: ROWS });
      const [{ count }] = await query<{ count: number }>(url, `SELECT count(*)::int AS count FROM ${table}`);
      expect({ table, count }).toEqual({ table, count: 0 });
    }
  });
});
