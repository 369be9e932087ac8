import { RefreshScheduler } from '../../src/tokens/refresh.scheduler';
import { storedTokens } from '../support/stored-tokens';
import { query } from '../support/database';
import { waitFor } from '../support/wait';
import { consent, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { Cluster, consentVia, emulatorStats, sandboxControl, seedSellers, startCluster } from '../support/replicas';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

/** Counts the runs the cron starts on `scheduler`, and tells when one that started after a given count has ended. */
function countRuns(scheduler: RefreshScheduler): { started: () => number; endedSince: (count: number) => boolean } {
  const ended: number[] = [];
  let started = 0;
  const runOnce = scheduler.runOnce.bind(scheduler);
  jest.spyOn(scheduler, 'runOnce').mockImplementation(() => {
    const index = (started += 1);
    // A run that found another in progress did nothing: it does not count as a later run.
    return runOnce().then((summary) => {
      if (!summary.skipped) ended.push(index);
      return summary;
    });
  });
  return { started: () => started, endedSince: (count) => ended.some((index) => index > count) };
}

/** Moves every authorization's backoff to its end: what waiting it out would do, without the wait. */
async function endBackoffs(url: string): Promise<void> {
  await query(url, 'UPDATE seller_authorizations SET next_refresh_at = now() WHERE next_refresh_at > now()');
}

describe('refresh scheduler (cron)', () => {
  let t: TestApp;
  let runs: ReturnType<typeof countRuns>;

  beforeAll(async () => {
    t = await startTestApp({ REFRESH_SCHEDULER_ENABLED: 'true', REFRESH_CRON: '* * * * * *' });
    runs = countRuns(t.app.get(RefreshScheduler));
  });
  afterAll(async () => {
    await t.close();
  });

  it('refreshes due tokens by itself, without any API traffic, and leaves the others alone', async () => {
    const browser = new HttpClient(t.baseUrl);
    await consent(browser, UK_SELLER);
    await consent(browser, US_SELLER);
    const before = await sandboxStats(browser);
    await query(t.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '2 hours' WHERE open_id = $1", [
      UK_SELLER,
    ]);
    await waitFor(
      async () => (await sandboxStats(browser)).current[UK_SELLER].access_token !== before.current[UK_SELLER].access_token,
      10000,
      100,
    );
    // A later run, started after the refresh was seen, finds nothing more to do.
    const seen = runs.started();
    await waitFor(() => runs.endedSince(seen), 5000);
    const after = await sandboxStats(browser);
    expect(after.calls.token_refresh - (before.calls.token_refresh ?? 0)).toBe(1);
    expect(after.current[US_SELLER]).toEqual(before.current[US_SELLER]);
    const [row] = await query<{ id: string; refresh_claimed_until: Date | null; expires: Date }>(
      t.db.url,
      'SELECT id, refresh_claimed_until, access_token_expires_at AS expires FROM seller_authorizations WHERE open_id = $1',
      [UK_SELLER],
    );
    expect(row.refresh_claimed_until).toBeNull();
    expect(row.expires.getTime()).toBeGreaterThan(Date.now() + 6 * 86400 * 1000);
    expect((await storedTokens(t.app).readTokens(row.id))?.refreshToken).toBe(after.current[UK_SELLER].refresh_token);
    const events = await query<{ detail: { trigger: string } }>(
      t.db.url,
      "SELECT detail FROM authorization_events WHERE type = 'refreshed'",
    );
    expect(events.map((event) => event.detail.trigger)).toEqual(['scheduled']);
  });
});

describe('a TikTok outage seen by two replicas', () => {
  let cluster: Cluster;
  let sellers: { openId: string; shopId: string }[];
  let schedulers: RefreshScheduler[];

  beforeAll(async () => {
    // Backoffs far longer than the test: it ends them itself (endBackoffs), so none can end on its own mid-test.
    cluster = await startCluster(2, {
      REFRESH_BACKOFF_BASE_SECONDS: '600',
      REFRESH_BACKOFF_MAX_SECONDS: '1200',
      TIKTOK_HTTP_TIMEOUT_MS: '300',
      REFRESH_CONCURRENCY: '4',
    });
    sellers = await seedSellers(cluster.sandbox, 12, 'outage');
    for (const seller of sellers) await consentVia(cluster.instances[0], cluster.sandbox, seller.openId);
    schedulers = cluster.instances.map((instance) => instance.app.get(RefreshScheduler));
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('keeps serving valid tokens, marks nothing for re-consent, backs off, and recovers', async () => {
    const key = await createServiceKey(cluster.instances[0].baseUrl, cluster.instances[0].adminKey, 'outage');
    const api = new KeyClient(cluster.instances[1].baseUrl, key);
    // Due for the scheduler (within a day) but still valid for the API.
    await query(cluster.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '1 hour'");
    // TikTok hangs for a while, then answers 503.
    await sandboxControl(cluster.sandbox, 'faults', { endpoint: '*', type: 'timeout', delay_ms: 1500, count: 6 });
    await sandboxControl(cluster.sandbox, 'faults', { endpoint: '*', type: 'http_503' });

    const first = await Promise.all(schedulers.map((scheduler) => scheduler.runOnce()));
    // The two replicas shared the work: each authorization was claimed exactly once.
    expect(first.reduce((sum, run) => sum + run.claimed, 0)).toBe(12);
    expect(first.reduce((sum, run) => sum + run.failed, 0)).toBe(12);

    // Valid tokens keep being served; one that must live 2 h more cannot be had: 503 with Retry-After, and
    // no TikTok call during the backoff.
    for (const seller of sellers) expect((await api.get(`/v1/shops/${seller.shopId}/token`)).status).toBe(200);
    const callsDuringBackoff = (await emulatorStats(cluster.sandbox)).calls.token_refresh;
    const strict = await api.get(`/v1/shops/${sellers[0].shopId}/token?min_ttl=7200`);
    expect(strict.status).toBe(503);
    expect(Number(strict.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await emulatorStats(cluster.sandbox)).calls.token_refresh).toBe(callsDuringBackoff);
    const rows = await query<{ status: string; refresh_failures: number; wait: number }>(
      cluster.db.url,
      'SELECT status, refresh_failures, extract(epoch FROM next_refresh_at - last_refresh_attempt_at)::float AS wait FROM seller_authorizations',
    );
    expect(rows.every((row) => row.status === 'active' && row.refresh_failures === 1 && row.wait >= 0.5)).toBe(true);

    // In backoff: an immediate run finds nothing to do.
    const immediate = await Promise.all(schedulers.map((scheduler) => scheduler.runOnce()));
    expect(immediate.reduce((sum, run) => sum + run.claimed, 0)).toBe(0);

    await endBackoffs(cluster.db.url);
    await Promise.all(schedulers.map((scheduler) => scheduler.runOnce()));
    const second = await query<{ refresh_failures: number }>(cluster.db.url, 'SELECT refresh_failures FROM seller_authorizations');
    expect(second.every((row) => row.refresh_failures === 2)).toBe(true);

    // TikTok is back.
    await sandboxControl(cluster.sandbox, 'faults', undefined, 'DELETE');
    await endBackoffs(cluster.db.url);
    const recovered = await Promise.all(schedulers.map((scheduler) => scheduler.runOnce()));
    expect(recovered.reduce((sum, run) => sum + run.refreshed, 0)).toBe(12);

    const stats = await emulatorStats(cluster.sandbox);
    for (const seller of sellers) expect(stats.refreshes_by_open_id[seller.openId]).toBe(1);
    const final = await query<{ status: string; refresh_failures: number }>(
      cluster.db.url,
      'SELECT status, refresh_failures FROM seller_authorizations',
    );
    expect(final.every((row) => row.status === 'active' && row.refresh_failures === 0)).toBe(true);
    expect(await query(cluster.db.url, "SELECT id FROM authorization_events WHERE type = 'reauthorization_required'")).toEqual([]);
    const failures = await query<{ n: number }>(
      cluster.db.url,
      "SELECT count(*)::int AS n FROM authorization_events WHERE type = 'refresh_failed'",
    );
    expect(failures[0].n).toBe(24);
  });
});
