import { TiktokApps } from '../../src/config/tiktok-apps';
import { TiktokClient } from '../../src/tiktok/tiktok.client';
import { TiktokError } from '../../src/tiktok/tiktok.errors';
import { RefreshScheduler } from '../../src/tokens/refresh.scheduler';
import { consent, sandboxControl, sandboxStats, TWO_APPS, UK_SELLER, US_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { storedTokens } from '../support/stored-tokens';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';
import { waitFor } from '../support/wait';

const US_SHOP = '7000000000000101';

/** Sellers of this suite besides the demo ones: two more per app. */
const GLOBAL_SELLERS = ['sbx-open-apps-g0', 'sbx-open-apps-g1'];
const US_SELLERS = ['sbx-open-apps-u0', 'sbx-open-apps-u1'];
const shopOf = (openId: string) => `73${String([...GLOBAL_SELLERS, ...US_SELLERS].indexOf(openId)).padStart(14, '0')}`;

interface Stats {
  calls: Record<string, number>;
  refresh_attempts_by_open_id: Record<string, number>;
  current_by_app: Record<string, Record<string, { access_token: string; refresh_token: string }>>;
}

interface Ready {
  status: string;
  details: { tiktok_apps: { status: string; apps: Record<string, Record<string, unknown>> } };
}

async function stats(browser: HttpClient): Promise<Stats> {
  return (await sandboxStats(browser)) as unknown as Stats;
}

async function ready(browser: HttpClient): Promise<{ status: number; body: Ready }> {
  const response = await browser.get('/health/ready');
  return { status: response.status, body: (await response.json()) as Ready };
}

/** The value of one sample line of /metrics (0 when absent). */
async function metric(browser: HttpClient, sample: string): Promise<number> {
  const text = await (await browser.get('/metrics', 'text/plain')).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

async function resetSecret(browser: HttpClient, app: string, undo = false): Promise<void> {
  const response = await sandboxControl(browser, `apps/${app}/reset-secret`, undo ? undefined : {}, undo ? 'DELETE' : 'POST');
  expect(response.status).toBe(200);
}

/** Each seller's authorization row, by app id then open_id. */
async function rows(
  t: TestApp,
): Promise<Record<string, Record<string, { id: string; status: string; failures: number; backoff: boolean }>>> {
  const apps = t.app.get(TiktokApps);
  const found = await query<{ id: string; app_key: string; open_id: string; status: string; refresh_failures: number; backoff: boolean }>(
    t.db.url,
    'SELECT id, app_key, open_id, status, refresh_failures, next_refresh_at IS NOT NULL AS backoff FROM seller_authorizations',
  );
  const byApp: Record<string, Record<string, { id: string; status: string; failures: number; backoff: boolean }>> = {};
  for (const row of found) {
    (byApp[apps.idOf(row.app_key)] ??= {})[row.open_id] = {
      id: row.id,
      status: row.status,
      failures: row.refresh_failures,
      backoff: row.backoff,
    };
  }
  return byApp;
}

/** Makes the sellers' access tokens due for the scheduler (within a day), in the order given, a minute apart. */
async function makeDue(t: TestApp, app: string, openIds: string[], firstMinute = 10): Promise<void> {
  const appKey = t.app.get(TiktokApps).keyOf(app);
  for (const [index, openId] of openIds.entries()) {
    await query(
      t.db.url,
      'UPDATE seller_authorizations SET access_token_expires_at = now() + make_interval(mins => $3) WHERE app_key = $1 AND open_id = $2',
      [appKey, openId, firstMinute + index * 2],
    );
  }
}

async function seed(browser: HttpClient, openIds: string[]): Promise<void> {
  for (const openId of openIds) {
    const response = await sandboxControl(browser, 'sellers', {
      open_id: openId,
      seller_name: `Seller ${openId}`,
      seller_base_region: 'GB',
      shops: [{ id: shopOf(openId), name: `Shop ${openId}`, region: 'GB', seller_type: 'LOCAL' }],
    });
    expect(response.status).toBeLessThan(300);
  }
}

describe('two apps: every refresh with its own app, one app refused by TikTok', () => {
  let t: TestApp;
  let browser: HttpClient;
  let service: KeyClient;
  let scheduler: RefreshScheduler;

  beforeAll(async () => {
    // One refresh at a time: the run's order is the expiry order makeDue sets. Backoffs far longer than the
    // test, so that none ends by itself mid-test.
    t = await startTestApp({
      ...TWO_APPS,
      REFRESH_CONCURRENCY: '1',
      REFRESH_BACKOFF_BASE_SECONDS: '600',
      REFRESH_BACKOFF_MAX_SECONDS: '1200',
      METRICS_REFRESH_SECONDS: '0',
    });
    browser = new HttpClient(t.baseUrl);
    scheduler = t.app.get(RefreshScheduler);
    await seed(browser, [...GLOBAL_SELLERS, ...US_SELLERS]);
    for (const openId of [UK_SELLER, ...GLOBAL_SELLERS]) expect((await consent(browser, openId, 'global')).status).toBe(200);
    for (const openId of [US_SELLER, ...US_SELLERS]) expect((await consent(browser, openId, 'us')).status).toBe(200);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'apps'));
  });
  afterAll(async () => {
    await t.close();
  });

  it("refreshes each authorization with its own app's credentials: that app's grant rotates, and the other app's are refused", async () => {
    const before = await stats(browser);
    await makeDue(t, 'global', [UK_SELLER]);
    await makeDue(t, 'us', [US_SELLER]);
    expect(await scheduler.runOnce()).toMatchObject({ claimed: 2, refreshed: 2, failed: 0 });

    const after = await stats(browser);
    expect(after.current_by_app.global[UK_SELLER].refresh_token).not.toBe(before.current_by_app.global[UK_SELLER].refresh_token);
    expect(after.current_by_app.us[US_SELLER].refresh_token).not.toBe(before.current_by_app.us[US_SELLER].refresh_token);
    // Each seller holds a grant of one app only.
    expect([after.current_by_app.us[UK_SELLER], after.current_by_app.global[US_SELLER]]).toEqual([undefined, undefined]);
    const stored = await rows(t);
    expect(await storedTokens(t.app).readTokens(stored.global[UK_SELLER].id)).toEqual({
      accessToken: after.current_by_app.global[UK_SELLER].access_token,
      refreshToken: after.current_by_app.global[UK_SELLER].refresh_token,
    });
    expect(await storedTokens(t.app).readTokens(stored.us[US_SELLER].id)).toEqual({
      accessToken: after.current_by_app.us[US_SELLER].access_token,
      refreshToken: after.current_by_app.us[US_SELLER].refresh_token,
    });

    // The emulator ties a grant to its app: the us seller's refresh token with global's credentials is refused,
    // and the grant is left as it was.
    const apps = t.app.get(TiktokApps);
    const usRefreshToken = after.current_by_app.us[US_SELLER].refresh_token;
    const refused = await t.app
      .get(TiktokClient)
      .refresh(apps.byId('global')!, usRefreshToken)
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TiktokError);
    expect((await stats(browser)).current_by_app.us[US_SELLER].refresh_token).toBe(usRefreshToken);
  });

  it("us credentials refused: only us backs off (one seller's counter), nobody is asked to consent again, global refreshes on; then us recovers", async () => {
    await resetSecret(browser, 'us');
    await makeDue(t, 'us', [US_SELLER, ...US_SELLERS], 10);
    await makeDue(t, 'global', [UK_SELLER, ...GLOBAL_SELLERS], 11);
    const before = await stats(browser);
    const metricsBefore = {
      refused: await metric(browser, 'tts_refreshes_total{outcome="transient_failure",trigger="scheduled",app="us"}'),
      globalRefreshed: await metric(browser, 'tts_refreshes_total{outcome="refreshed",trigger="scheduled",app="global"}'),
    };

    expect(await scheduler.runOnce()).toMatchObject({ claimed: 6, refreshed: 3, failed: 3, reauthorizationRequired: 0 });
    const after = await stats(browser);
    // TikTok was asked once for us (for the first us seller the run came to), then never again.
    expect(after.calls.token_refresh - before.calls.token_refresh).toBe(4);
    const attempts = (openId: string) =>
      (after.refresh_attempts_by_open_id[openId] ?? 0) - (before.refresh_attempts_by_open_id[openId] ?? 0);
    const usSellers = [US_SELLER, ...US_SELLERS];
    expect(usSellers.map(attempts).sort()).toEqual([0, 0, 1]);
    const [refusedSeller] = usSellers.filter((openId) => attempts(openId) === 1);
    const [waitingSeller] = US_SELLERS.filter((openId) => openId !== refusedSeller);
    for (const openId of [US_SELLER, ...US_SELLERS]) expect(after.current_by_app.us[openId]).toEqual(before.current_by_app.us[openId]);
    for (const openId of [UK_SELLER, ...GLOBAL_SELLERS]) {
      expect(after.current_by_app.global[openId].refresh_token).not.toBe(before.current_by_app.global[openId].refresh_token);
    }
    // The seller whose refresh was refused backs off as after any transient failure; the other us sellers'
    // counters are untouched; nobody needs a new consent.
    const stored = await rows(t);
    for (const openId of usSellers) {
      const refused = openId === refusedSeller;
      expect({ openId, ...stored.us[openId] }).toEqual({
        openId,
        id: expect.any(String),
        status: 'active',
        failures: refused ? 1 : 0,
        backoff: refused,
      });
    }
    expect(Object.values(stored.global).every((row) => row.status === 'active' && row.failures === 0)).toBe(true);
    expect(await query(t.db.url, "SELECT id FROM authorization_events WHERE type = 'reauthorization_required'")).toEqual([]);
    const [failure] = await query<{ detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT detail FROM authorization_events WHERE type = 'refresh_failed' AND authorization_id = $1",
      [stored.us[refusedSeller].id],
    );
    expect(failure.detail).toMatchObject({ reason: 'app_credentials_rejected', transient: true, tiktok_code: 36009004 });

    // Readiness stays 200, degraded, and says which app fails and why.
    const health = await ready(browser);
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('degraded');
    expect(health.body.details.tiktok_apps).toEqual({
      status: 'degraded',
      apps: {
        global: { status: 'ok' },
        us: {
          status: 'failing',
          reason: 'app_credentials_rejected',
          since: expect.any(String),
          last_error_code: 36009004,
          failures: 1,
          retry_at: expect.any(String),
        },
      },
    });
    expect(Date.parse(health.body.details.tiktok_apps.apps.us.retry_at as string)).toBeGreaterThan(Date.now() + 250 * 1000);

    // A metric per app.
    expect(await metric(browser, 'tts_tiktok_app_failing{app="us"}')).toBe(1);
    expect(await metric(browser, 'tts_tiktok_app_failing{app="global"}')).toBe(0);
    expect(
      (await metric(browser, 'tts_refreshes_total{outcome="transient_failure",trigger="scheduled",app="us"}')) - metricsBefore.refused,
    ).toBe(1);
    expect(await metric(browser, 'tts_refreshes_total{outcome="app_backoff",trigger="scheduled",app="us"}')).toBe(2);
    expect(
      (await metric(browser, 'tts_refreshes_total{outcome="refreshed",trigger="scheduled",app="global"}')) - metricsBefore.globalRefreshed,
    ).toBe(3);

    // The token API for a us shop whose token must be renewed: 503 tiktok_unavailable with Retry-After, never
    // 409, and no call to TikTok. Its valid token is still served.
    const strict = await service.get(`/v1/shops/${shopOf(waitingSeller)}/token?min_ttl=7200`);
    expect(strict.status).toBe(503);
    expect(await strict.json()).toMatchObject({
      error: 'tiktok_unavailable',
      message: expect.stringContaining("TikTok refuses this app's credentials"),
    });
    expect(Number(strict.headers.get('retry-after'))).toBeGreaterThan(250);
    expect((await service.get(`/v1/shops/${shopOf(waitingSeller)}/token`)).status).toBe(200);
    expect((await stats(browser)).calls.token_refresh).toBe(after.calls.token_refresh);

    // The next run leaves us alone and refreshes global's due authorization.
    await makeDue(t, 'global', [UK_SELLER]);
    expect(await scheduler.runOnce()).toMatchObject({ claimed: 1, refreshed: 1, failed: 0 });
    expect((await stats(browser)).calls.token_refresh).toBe(after.calls.token_refresh + 1);

    // The secret is right again; an admin's refresh goes to TikTok through the pause, and its success ends it.
    await resetSecret(browser, 'us', true);
    const admin = new KeyClient(t.baseUrl, t.adminKey);
    // (Of the seller in backoff: its own backoff ends with it.)
    const forced = await admin.postJson(`/admin/shops/${refusedSeller === US_SELLER ? US_SHOP : shopOf(refusedSeller)}/refresh`, {});
    expect(forced.status).toBe(200);
    expect(await forced.json()).toMatchObject({ refreshed: true });
    expect(await ready(browser)).toMatchObject({
      status: 200,
      body: { status: 'ok', details: { tiktok_apps: { status: 'up', apps: { global: { status: 'ok' }, us: { status: 'ok' } } } } },
    });
    expect(await metric(browser, 'tts_tiktok_app_failing{app="us"}')).toBe(0);
    // us's other due authorizations are refreshed by the next run.
    expect(await scheduler.runOnce()).toMatchObject({ claimed: 2, refreshed: 2, failed: 0 });
    const final = await rows(t);
    for (const app of ['global', 'us']) {
      expect(Object.values(final[app]).every((row) => row.status === 'active' && row.failures === 0 && !row.backoff)).toBe(true);
    }
  });
});

describe('an app refused for a while recovers by itself', () => {
  let t: TestApp;
  let browser: HttpClient;

  beforeAll(async () => {
    t = await startTestApp({ ...TWO_APPS, REFRESH_BACKOFF_BASE_SECONDS: '1', REFRESH_BACKOFF_MAX_SECONDS: '2' });
    browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER, 'global')).status).toBe(200);
    expect((await consent(browser, US_SELLER, 'us')).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it("probes once the app's backoff is over, and the first accepted call ends the pause", async () => {
    const scheduler = t.app.get(RefreshScheduler);
    await resetSecret(browser, 'us');
    await makeDue(t, 'us', [US_SELLER]);
    expect(await scheduler.runOnce()).toMatchObject({ claimed: 1, refreshed: 0, failed: 1 });
    expect((await ready(browser)).body.details.tiktok_apps.apps.us).toMatchObject({ status: 'failing' });

    await resetSecret(browser, 'us', true);
    const before = (await stats(browser)).current_by_app.us[US_SELLER];
    await waitFor(
      async () => {
        await scheduler.runOnce();
        return (await stats(browser)).current_by_app.us[US_SELLER].refresh_token !== before.refresh_token;
      },
      15000,
      250,
    );
    expect(await ready(browser)).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await metric(browser, 'tts_tiktok_app_failing{app="us"}')).toBe(0);
    expect((await rows(t)).us[US_SELLER]).toMatchObject({ status: 'active', failures: 0, backoff: false });
  });
});
