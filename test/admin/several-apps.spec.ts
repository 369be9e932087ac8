import { TiktokApps } from '../../src/config/tiktok-apps';
import { TiktokClient } from '../../src/tiktok/tiktok.client';
import { query } from '../support/database';
import { consent, sandboxStats, TWO_APPS, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { notifyEnv, startNotifyReceiver, NotifyReceiver } from '../support/notify-receiver';
import { startTestApp, TestApp } from '../support/test-app';
import { KeyClient } from '../support/tokens';
import { waitFor } from '../support/wait';

// The same seller consenting through both apps: the same shop ids twice, one row per app.
const UK_SHOP = '7000000000000001';
const UK_OUTLET = '7000000000000002';
const US_SHOP = '7000000000000101';

interface ShopView {
  shop_id: string;
  app: string;
  authorization_id: string;
  status: string;
}
interface ErrorBody {
  error: string;
  apps?: string[];
}

describe('admin API, revocation, notifications and metrics with two apps', () => {
  let t: TestApp;
  let receiver: NotifyReceiver;
  let browser: HttpClient;
  let admin: KeyClient;
  /** The authorization id of each app's grant of UK_SELLER. */
  const ukAuthorization: Record<string, string> = {};

  beforeAll(async () => {
    receiver = await startNotifyReceiver();
    t = await startTestApp({ ...TWO_APPS, ...notifyEnv(receiver), METRICS_REFRESH_SECONDS: '0' });
    browser = new HttpClient(t.baseUrl);
    admin = new KeyClient(t.baseUrl, t.adminKey);
    expect((await consent(browser, UK_SELLER, 'global')).status).toBe(200);
    expect((await consent(browser, UK_SELLER, 'us')).status).toBe(200);
    expect((await consent(browser, US_SELLER, 'us')).status).toBe(200);
    for (const row of await query<{ app_key: string; id: string }>(
      t.db.url,
      'SELECT app_key, id FROM seller_authorizations WHERE open_id = $1',
      [UK_SELLER],
    )) {
      ukAuthorization[t.app.get(TiktokApps).idOf(row.app_key)] = row.id;
    }
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const json = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await admin.get(path);
    return { status: response.status, body: (await response.json()) as T };
  };

  it('lists every (shop id, app) row with its app, and filters by ?app=', async () => {
    const all = await json<{ shops: ShopView[]; total: number }>('/admin/shops');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(5);
    expect(all.body.shops.map((shop) => [shop.shop_id, shop.app])).toEqual([
      [UK_SHOP, 'global'],
      [UK_SHOP, 'us'],
      [UK_OUTLET, 'global'],
      [UK_OUTLET, 'us'],
      [US_SHOP, 'us'],
    ]);
    expect(all.body.shops.find((shop) => shop.app === 'us' && shop.shop_id === UK_SHOP)?.authorization_id).toBe(ukAuthorization.us);
    const us = await json<{ shops: ShopView[]; total: number }>('/admin/shops?app=us');
    expect({ total: us.body.total, rows: us.body.shops.map((shop) => [shop.shop_id, shop.app]) }).toEqual({
      total: 3,
      rows: [
        [UK_SHOP, 'us'],
        [UK_OUTLET, 'us'],
        [US_SHOP, 'us'],
      ],
    });
    const global = await json<{ shops: ShopView[] }>(`/admin/shops?app=global&region=GB`);
    expect(global.body.shops.map((shop) => [shop.shop_id, shop.app])).toEqual([
      [UK_SHOP, 'global'],
      [UK_OUTLET, 'global'],
    ]);
    // Pages walk the rows, not the shop ids.
    const page2 = await json<{ shops: ShopView[] }>('/admin/shops?limit=2&page=2');
    expect(page2.body.shops.map((shop) => [shop.shop_id, shop.app])).toEqual([
      [UK_OUTLET, 'global'],
      [UK_OUTLET, 'us'],
    ]);
    for (const bad of ['app=nope', 'app=default', 'app=US']) {
      const response = await json<ErrorBody>(`/admin/shops?${bad}`);
      expect({ bad, status: response.status, error: response.body.error }).toEqual({ bad, status: 400, error: 'unknown_app' });
    }
  });

  it('lists authorizations with their app, and filters by ?app=', async () => {
    const all = await json<{ authorizations: { id: string; app: string; open_id: string; shop_ids: string[] }[] }>('/admin/authorizations');
    expect(all.status).toBe(200);
    const byApp = (app: string) =>
      all.body.authorizations
        .filter((authorization) => authorization.app === app)
        .map((authorization) => authorization.open_id)
        .sort();
    expect({ global: byApp('global'), us: byApp('us') }).toEqual({ global: [UK_SELLER], us: [UK_SELLER, US_SELLER].sort() });
    const us = await json<{ authorizations: { id: string; app: string }[] }>('/admin/authorizations?app=us');
    expect(us.body.authorizations.map((authorization) => authorization.app)).toEqual(['us', 'us']);
    expect(us.body.authorizations.map((authorization) => authorization.id)).toContain(ukAuthorization.us);
    expect((await json<ErrorBody>('/admin/authorizations?app=nope')).body.error).toBe('unknown_app');
  });

  it('needs ?app= for a shop id granted to both apps (400 app_required), and shows that row with it', async () => {
    for (const path of [`/admin/shops/${UK_SHOP}`, `/admin/shops/${UK_SHOP}/events`]) {
      const response = await json<ErrorBody>(path);
      expect({ path, status: response.status, body: response.body }).toEqual({
        path,
        status: 400,
        body: expect.objectContaining({ error: 'app_required', apps: ['global', 'us'] }) as unknown,
      });
    }
    for (const app of ['global', 'us']) {
      const shop = await json<ShopView & { open_id: string }>(`/admin/shops/${UK_SHOP}?app=${app}`);
      expect(shop.status).toBe(200);
      expect(shop.body).toMatchObject({ shop_id: UK_SHOP, app, authorization_id: ukAuthorization[app], open_id: UK_SELLER });
      const events = await json<{ events: { type: string }[] }>(`/admin/shops/${UK_SHOP}/events?app=${app}`);
      expect(events.status).toBe(200);
      expect(events.body.events.map((event) => event.type)).toContain('granted');
    }
    // A shop id of one app only needs no ?app=; naming another app finds nothing there.
    expect((await json<ShopView>(`/admin/shops/${US_SHOP}`)).body).toMatchObject({ shop_id: US_SHOP, app: 'us' });
    expect((await json<ErrorBody>(`/admin/shops/${US_SHOP}?app=global`)).status).toBe(404);
    expect((await json<ErrorBody>(`/admin/shops/${UK_SHOP}?app=nope`)).body.error).toBe('unknown_app');
    const refresh = await admin.postJson(`/admin/shops/${UK_SHOP}/refresh`, {});
    expect({ status: refresh.status, error: ((await refresh.json()) as ErrorBody).error }).toEqual({ status: 400, error: 'app_required' });
    const revoke = await admin.request(`/admin/shops/${UK_SHOP}`, { method: 'DELETE' });
    expect({ status: revoke.status, error: ((await revoke.json()) as ErrorBody).error }).toEqual({ status: 400, error: 'app_required' });
  });

  it("refreshes only the named app's authorization, with that app's credentials", async () => {
    const before = await sandboxStats(browser);
    const response = await admin.postJson(`/admin/shops/${UK_SHOP}/refresh?app=us`, {});
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ shop_id: UK_SHOP, app: 'us', refreshed: true });
    const after = await sandboxStats(browser);
    expect(after.current_by_app.us[UK_SELLER].access_token).not.toBe(before.current_by_app.us[UK_SELLER].access_token);
    expect(after.current_by_app.global[UK_SELLER]).toEqual(before.current_by_app.global[UK_SELLER]);
  });

  it("revokes and deauthorizes only the us row: signed with us's credentials, TikTok drops the shop from us's grant only", async () => {
    const before = await sandboxStats(browser);
    const response = await admin.request(`/admin/shops/${UK_OUTLET}?app=us&deauthorize=true`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      shop_id: UK_OUTLET,
      app: 'us',
      status: 'revoked',
      authorization_revoked: false,
      already_revoked: false,
      deauthorized_at_tiktok: true,
    });
    expect((await sandboxStats(browser)).calls.deauthorize).toBe((before.calls.deauthorize ?? 0) + 1);
    const rows = await query<{ app_key: string; status: string }>(
      t.db.url,
      'SELECT app_key, status FROM shops WHERE id = $1 ORDER BY app_key',
      [UK_OUTLET],
    );
    const apps = t.app.get(TiktokApps);
    expect(rows.map((row) => [apps.idOf(row.app_key), row.status])).toEqual([
      ['global', 'active'],
      ['us', 'revoked'],
    ]);
    // What TikTok (the emulator) now grants each app, asked with that app's own token and credentials.
    const tiktok = t.app.get(TiktokClient);
    const stats = await sandboxStats(browser);
    const granted = async (id: string) => {
      const app = apps.byId(id);
      if (!app) throw new Error(`no app ${id}`);
      const shops = await tiktok.authorizedShops(app, stats.current_by_app[id][UK_SELLER].access_token);
      return shops.map((shop) => shop.id).sort();
    };
    expect({ global: await granted('global'), us: await granted('us') }).toEqual({ global: [UK_SHOP, UK_OUTLET], us: [UK_SHOP] });
    // The global row is untouched: its detail, and the audit record names the app.
    expect((await json<ShopView>(`/admin/shops/${UK_OUTLET}?app=global`)).body.status).toBe('active');
    const [audit] = await query<{ detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT detail FROM audit_events WHERE action = 'shop_revoked' ORDER BY id DESC LIMIT 1",
    );
    expect(audit.detail).toMatchObject({ app: 'us', deauthorize: true });
  });

  it('names the app in every notification', async () => {
    await waitFor(() => receiver.ofType('authorization.status_changed').length > 0, 8000);
    const revoked = receiver.ofType('authorization.status_changed').map((event) => event.data);
    expect(revoked).toEqual([
      expect.objectContaining({ status: 'revoked', app: 'us', authorization_id: ukAuthorization.us, shop_ids: [UK_OUTLET] }),
    ]);
    // The recovery by a new consent through the us app, too.
    expect((await consent(browser, UK_SELLER, 'us')).status).toBe(200);
    await waitFor(() => receiver.ofType('authorization.status_changed').length === 2, 8000);
    expect(receiver.ofType('authorization.status_changed')[1].data).toMatchObject({
      status: 'active',
      previous_status: 'revoked',
      app: 'us',
      authorization_id: ukAuthorization.us,
      shop_ids: [UK_OUTLET],
    });
  });

  it('labels the gauges of stored authorizations with the app', async () => {
    await query(t.db.url, "UPDATE seller_authorizations SET status = 'reauthorization_required' WHERE open_id = $1", [US_SELLER]);
    const text = await (await browser.get('/metrics', 'text/plain')).text();
    const sample = (name: string) => Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    expect({
      globalActive: sample('tts_authorizations{status="active",app="global"}'),
      usActive: sample('tts_authorizations{status="active",app="us"}'),
      usReconsent: sample('tts_authorizations{status="reauthorization_required",app="us"}'),
      globalReconsent: sample('tts_authorizations{status="reauthorization_required",app="global"}'),
    }).toEqual({ globalActive: 1, usActive: 1, usReconsent: 1, globalReconsent: 0 });
    expect(sample('tts_earliest_expiry_seconds{token="access",app="global"}')).toBeGreaterThan(6 * 86400);
    expect(sample('tts_earliest_expiry_seconds{token="access",app="us"}')).toBeGreaterThan(6 * 86400);
  });

  it("offboards a tenant per app: a shop id in both apps is revoked once in each, with that app's credentials", async () => {
    const put = (path: string, body: unknown) =>
      admin.request(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await put('/admin/tenants/acme', { name: 'Acme' })).status).toBe(201);
    for (const app of ['global', 'us']) {
      const moved = await put(`/admin/authorizations/${ukAuthorization[app]}/tenant`, { tenant_id: 'acme' });
      expect(moved.status).toBe(200);
      expect(await moved.json()).toMatchObject({ authorization_id: ukAuthorization[app], app, tenant_id: 'acme' });
    }
    const before = await sandboxStats(browser);
    const response = await admin.request('/admin/tenants/acme?deauthorize=true', { method: 'DELETE' });
    expect(response.status).toBe(200);
    const report = (await response.json()) as { deleted: boolean; shops: { shop_id: string; app: string; result: string }[] };
    expect(report.deleted).toBe(true);
    expect(report.shops.map((shop) => [shop.shop_id, shop.app, shop.result])).toEqual([
      [UK_SHOP, 'global', 'revoked'],
      [UK_SHOP, 'us', 'revoked'],
      [UK_OUTLET, 'global', 'revoked'],
      [UK_OUTLET, 'us', 'revoked'],
    ]);
    expect((await sandboxStats(browser)).calls.deauthorize).toBe((before.calls.deauthorize ?? 0) + 4);
    const rows = await query<{ status: string; n: number }>(
      t.db.url,
      'SELECT status, count(*)::int AS n FROM shops WHERE id = ANY($1) GROUP BY status',
      [[UK_SHOP, UK_OUTLET]],
    );
    expect(rows).toEqual([{ status: 'revoked', n: 4 }]);
    // The US seller, of no tenant, is left alone.
    expect((await json<ShopView>(`/admin/shops/${US_SHOP}`)).body.status).toBe('reauthorization_required');
  });
});
