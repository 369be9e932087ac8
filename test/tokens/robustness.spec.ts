import { RefreshScheduler } from '../../src/tokens/refresh.scheduler';
import { TokenRefresher } from '../../src/tokens/token-refresher.service';
import { storedTokens } from '../support/stored-tokens';
import { query } from '../support/database';
import { waitFor } from '../support/wait';
import { Cluster, consentVia, emulatorStats, sandboxControl, seedSellers, startCluster } from '../support/replicas';
import { startTestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('refresh engine under adverse conditions', () => {
  let cluster: Cluster;
  let sellers: { openId: string; shopId: string }[];

  beforeAll(async () => {
    cluster = await startCluster(1, {
      REFRESH_BATCH_SIZE: '1',
      DATABASE_POOL_SIZE: '4',
      REFRESH_CONCURRENCY: '8',
      TIKTOK_HTTP_TIMEOUT_MS: '3000',
    });
    sellers = await seedSellers(cluster.sandbox, 12, 'adverse');
    for (const seller of sellers) await consentVia(cluster.instances[0], cluster.sandbox, seller.openId);
  });
  afterAll(async () => {
    await cluster?.close();
  });
  beforeEach(async () => {
    await sandboxControl(cluster.sandbox, 'faults', undefined, 'DELETE');
    await sandboxControl(cluster.sandbox, 'config', { latency_ms: 0 });
    // Every token fresh, nothing claimed or in backoff.
    await query(
      cluster.db.url,
      `UPDATE seller_authorizations SET access_token_expires_at = now() + interval '7 days',
      refresh_claimed_until = NULL, next_refresh_at = NULL, refresh_failures = 0`,
    );
  });

  const scheduler = () => cluster.instances[0].app.get(RefreshScheduler);
  const dueSoon = (openIds: string[]) =>
    query(cluster.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '1 hour' WHERE open_id = ANY($1)", [
      openIds,
    ]);

  it('never overlaps itself on one instance', async () => {
    await dueSoon([sellers[0].openId]);
    await sandboxControl(cluster.sandbox, 'config', { latency_ms: 300 });
    const [first, second] = await Promise.all([scheduler().runOnce(), scheduler().runOnce()]);
    expect(first).toMatchObject({ skipped: false, refreshed: 1 });
    expect(second).toMatchObject({ skipped: true, claimed: 0 });
  });

  it("respects another replica's live claim", async () => {
    await dueSoon([sellers[1].openId]);
    await query(cluster.db.url, "UPDATE seller_authorizations SET refresh_claimed_until = now() + interval '1 minute' WHERE open_id = $1", [
      sellers[1].openId,
    ]);
    expect(await scheduler().runOnce()).toMatchObject({ claimed: 0 });
  });

  it('backs off a row it cannot handle instead of letting it starve the healthy ones', async () => {
    const broken = sellers[2].openId;
    const healthy = sellers[3].openId;
    await dueSoon([broken, healthy]);
    // The broken row expires first, so it is claimed first (batch size 1); its ciphertext cannot be decrypted.
    await query(
      cluster.db.url,
      "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '30 minutes', refresh_token = 'v1:gone:AAAA:AAAA' WHERE open_id = $1",
      [broken],
    );
    const before = await emulatorStats(cluster.sandbox);
    const run = await scheduler().runOnce();
    expect(run).toMatchObject({ claimed: 2, refreshed: 1, failed: 1 });
    const after = await emulatorStats(cluster.sandbox);
    expect(after.current[healthy].access_token).not.toBe(before.current[healthy].access_token);
    const [row] = await query<{ status: string; refresh_failures: number; in_backoff: boolean; claimed: boolean }>(
      cluster.db.url,
      'SELECT status, refresh_failures, next_refresh_at > now() AS in_backoff, refresh_claimed_until IS NOT NULL AS claimed FROM seller_authorizations WHERE open_id = $1',
      [broken],
    );
    expect(row).toEqual({ status: 'active', refresh_failures: 1, in_backoff: true, claimed: false });
    const [event] = await query<{ detail: Record<string, unknown> }>(
      cluster.db.url,
      "SELECT detail FROM authorization_events WHERE type = 'refresh_failed' AND open_id IS NULL ORDER BY id DESC LIMIT 1",
    );
    expect(event.detail).toMatchObject({ reason: 'internal_error' });
    // Put the row back for the other tests.
    await consentVia(cluster.instances[0], cluster.sandbox, broken);
  });

  it('keeps answering, with 200 or 503 but never 500, when refreshes outnumber the pool', async () => {
    const key = await createServiceKey(cluster.instances[0].baseUrl, cluster.instances[0].adminKey, 'pool');
    const api = new KeyClient(cluster.instances[0].baseUrl, key);
    await sandboxControl(cluster.sandbox, 'config', { latency_ms: 1000 });
    const slow = sellers.slice(4, 12);
    await dueSoon(slow.map((seller) => seller.openId));
    const started = Date.now();
    const callsBefore = (await emulatorStats(cluster.sandbox)).calls.token_refresh ?? 0;
    const refreshes = slow.map((seller) => api.get(`/v1/shops/${seller.shopId}/token?min_ttl=7200`));
    // Every refresh slot of the instance is held by a call TikTok is slow to answer.
    const slots = cluster.instances[0].app.get(TokenRefresher).capacity;
    await waitFor(async () => ((await emulatorStats(cluster.sandbox)).calls.token_refresh ?? 0) - callsBefore >= slots, 2000, 10);
    // A shop with a fresh token is served at once although TikTok is slow and refreshes fill their slots.
    const fresh = await api.get(`/v1/shops/${sellers[0].shopId}/token`);
    expect(fresh.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1000);
    const statuses = await Promise.all(refreshes.map(async (response) => (await response).status));
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(2);
  });

  it('survives a server-side idle-in-transaction timeout shorter than the TikTok call', async () => {
    await query(cluster.db.url, `ALTER DATABASE ${cluster.db.name} SET idle_in_transaction_session_timeout = '500ms'`);
    try {
      // A fresh instance, so its pooled sessions pick the database setting up.
      const instance = await startTestApp(replicaLikeEnv(cluster), cluster.db);
      try {
        await sandboxControl(cluster.sandbox, 'config', { latency_ms: 1200 });
        const seller = sellers[5];
        await dueSoon([seller.openId]);
        const key = await createServiceKey(instance.baseUrl, instance.adminKey, 'idle');
        const response = await new KeyClient(instance.baseUrl, key).get(`/v1/shops/${seller.shopId}/token?min_ttl=7200`);
        expect(response.status).toBe(200);
        const stats = await emulatorStats(cluster.sandbox);
        const [{ id }] = await query<{ id: string }>(cluster.db.url, 'SELECT id FROM seller_authorizations WHERE open_id = $1', [
          seller.openId,
        ]);
        expect((await storedTokens(instance.app).readTokens(id))?.refreshToken).toBe(stats.current[seller.openId].refresh_token);
      } finally {
        await instance.close();
      }
    } finally {
      await query(cluster.db.url, `ALTER DATABASE ${cluster.db.name} RESET idle_in_transaction_session_timeout`);
    }
  });

  it('stores the rotated pair even when the database session dies during the TikTok call', async () => {
    const seller = sellers[6];
    const refreshesBefore = (await emulatorStats(cluster.sandbox)).refreshes_by_open_id[seller.openId] ?? 0;
    await dueSoon([seller.openId]);
    await sandboxControl(cluster.sandbox, 'config', { latency_ms: 1000 });
    const key = await createServiceKey(cluster.instances[0].baseUrl, cluster.instances[0].adminKey, 'terminate');
    const pending = new KeyClient(cluster.instances[0].baseUrl, key).get(`/v1/shops/${seller.shopId}/token?min_ttl=7200`);
    // Kill the session that holds the row lock while TikTok is answering.
    const deadline = Date.now() + 5000;
    let killed = 0;
    while (killed === 0 && Date.now() < deadline) {
      const rows = await query<{ terminated: boolean }>(
        cluster.db.url,
        `SELECT pg_terminate_backend(a.pid) AS terminated FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
          WHERE a.datname = current_database() AND l.locktype = 'transactionid' AND a.state = 'idle in transaction' AND a.pid <> pg_backend_pid()`,
      );
      killed = rows.filter((row) => row.terminated).length;
      if (killed === 0) await sleep(50);
    }
    expect(killed).toBeGreaterThan(0);
    const response = await pending;
    expect(response.status).toBe(200);
    const stats = await emulatorStats(cluster.sandbox);
    expect(stats.refreshes_by_open_id[seller.openId]).toBe(refreshesBefore + 1);
    const [{ id, status }] = await query<{ id: string; status: string }>(
      cluster.db.url,
      'SELECT id, status FROM seller_authorizations WHERE open_id = $1',
      [seller.openId],
    );
    expect(status).toBe('active');
    expect((await storedTokens(cluster.instances[0].app).readTokens(id))?.refreshToken).toBe(stats.current[seller.openId].refresh_token);
  });

  it('stops promptly on shutdown and hands unstarted claims back', async () => {
    const instance = await startTestApp({ ...replicaLikeEnv(cluster), REFRESH_BATCH_SIZE: '100', REFRESH_CONCURRENCY: '1' }, cluster.db);
    await sandboxControl(cluster.sandbox, 'config', { latency_ms: 500 });
    await dueSoon(sellers.map((seller) => seller.openId));
    const callsBefore = (await emulatorStats(cluster.sandbox)).calls.token_refresh ?? 0;
    const run = instance.app.get(RefreshScheduler).runOnce();
    // The run is under way: its first refresh is with TikTok.
    await waitFor(async () => ((await emulatorStats(cluster.sandbox)).calls.token_refresh ?? 0) > callsBefore, 5000, 10);
    const started = Date.now();
    await instance.close();
    expect(Date.now() - started).toBeLessThan(3000);
    const summary = await run;
    expect(summary.claimed).toBe(12);
    expect(summary.refreshed).toBeLessThan(12);
    const claimed = await query(cluster.db.url, 'SELECT id FROM seller_authorizations WHERE refresh_claimed_until IS NOT NULL');
    expect(claimed).toEqual([]);
  });
});

/** The environment of the cluster's instances (same TikTok, secrets and database). */
function replicaLikeEnv(cluster: Cluster): NodeJS.ProcessEnv {
  const config = cluster.instances[0].config;
  return {
    ...cluster.secrets,
    TIKTOK_SANDBOX: 'false',
    TIKTOK_APP_KEY: config.tiktok.apps[0].appKey,
    TIKTOK_APP_SECRET: config.tiktok.apps[0].appSecret,
    TIKTOK_SERVICE_ID: config.tiktok.apps[0].serviceId,
    TIKTOK_AUTHORIZE_URL: config.tiktok.apps[0].authorizeUrl,
    TIKTOK_AUTH_BASE_URL: config.tiktok.authBaseUrl,
    TIKTOK_API_BASE_URL: config.tiktok.apiBaseUrl,
    TIKTOK_HTTP_TIMEOUT_MS: '3000',
  };
}
