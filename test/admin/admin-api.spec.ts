import { query } from '../support/database';
import { consent, injectFault, sandboxStats, UK_SELLER, US_SELLER, CB_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';
import { waitFor } from '../support/wait';

const UK_SHOP = '7000000000000001';
const UK_OUTLET = '7000000000000002';
const US_SHOP = '7000000000000101';
const MY_SHOP = '7000000000000201';

describe('admin API', () => {
  let t: TestApp;
  let browser: HttpClient;
  let admin: KeyClient;
  let service: KeyClient;

  beforeAll(async () => {
    t = await startTestApp();
    browser = new HttpClient(t.baseUrl);
    for (const seller of [UK_SELLER, US_SELLER, CB_SELLER]) expect((await consent(browser, seller)).status).toBe(200);
    admin = new KeyClient(t.baseUrl, t.adminKey);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'svc'));
  });
  afterAll(async () => {
    await t.close();
  });

  async function noSecrets(body: unknown): Promise<void> {
    const stats = await sandboxStats(browser);
    const text = JSON.stringify(body);
    for (const secret of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/v1:test-/);
  }

  it('lists shops with filters and pages, never a token', async () => {
    const all = (await (await admin.get('/admin/shops')).json()) as {
      shops: { shop_id: string; status: string; region: string }[];
      total: number;
    };
    expect(all.total).toBe(5);
    expect(all.shops.map((shop) => shop.shop_id)).toEqual([UK_SHOP, UK_OUTLET, US_SHOP, MY_SHOP, '7000000000000202']);
    await noSecrets(all);
    const gb = (await (await admin.get('/admin/shops?region=GB')).json()) as { shops: { shop_id: string }[] };
    expect(gb.shops.map((shop) => shop.shop_id)).toEqual([UK_SHOP, UK_OUTLET]);
    const page2 = (await (await admin.get('/admin/shops?limit=2&page=2')).json()) as {
      shops: { shop_id: string }[];
      total: number;
      page: number;
    };
    expect(page2).toMatchObject({ page: 2, total: 5 });
    expect(page2.shops.map((shop) => shop.shop_id)).toEqual([US_SHOP, MY_SHOP]);
    await query(t.db.url, "UPDATE seller_authorizations SET refresh_token_expires_at = now() + interval '5 days' WHERE open_id = $1", [
      CB_SELLER,
    ]);
    const expiring = (await (await admin.get('/admin/shops?status=expiring')).json()) as { shops: { shop_id: string }[] };
    expect(expiring.shops.map((shop) => shop.shop_id)).toEqual([MY_SHOP, '7000000000000202']);
    for (const bad of ['status=bogus', 'region=gb', 'page=0', 'limit=501', 'limit=x', 'extra=1']) {
      const response = await admin.get(`/admin/shops?${bad}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_request');
    }
  });

  it('shows one shop, or 404 shop_not_found / 400 for a malformed id', async () => {
    const response = await admin.get(`/admin/shops/${UK_SHOP}`);
    expect(response.status).toBe(200);
    const shop = (await response.json()) as Record<string, unknown>;
    expect(shop).toMatchObject({
      shop_id: UK_SHOP,
      status: 'active',
      open_id: UK_SELLER,
      refresh_failures: 0,
      granted_scopes: expect.any(Array),
    });
    await noSecrets(shop);
    expect((await admin.get('/admin/shops/7999999999999999')).status).toBe(404);
    expect((await admin.get('/admin/shops/bad%20id')).status).toBe(400);
  });

  it('with one app: every view says app `default`, which ?app= accepts; another app is 400 unknown_app', async () => {
    const shops = (await (await admin.get('/admin/shops?app=default')).json()) as { shops: { app: string }[]; total: number };
    expect({ total: shops.total, apps: [...new Set(shops.shops.map((shop) => shop.app))] }).toEqual({ total: 5, apps: ['default'] });
    const authorizations = (await (await admin.get('/admin/authorizations?app=default')).json()) as { authorizations: { app: string }[] };
    expect(authorizations.authorizations.map((authorization) => authorization.app)).toEqual(['default', 'default', 'default']);
    expect(await (await admin.get(`/admin/shops/${UK_SHOP}?app=default`)).json()).toMatchObject({ shop_id: UK_SHOP, app: 'default' });
    for (const path of [
      '/admin/shops?app=us',
      '/admin/authorizations?app=us',
      `/admin/shops/${UK_SHOP}?app=us`,
      `/admin/shops/${UK_SHOP}/events?app=`,
    ]) {
      const response = await admin.get(path);
      expect({ path, status: response.status, error: ((await response.json()) as { error: string }).error }).toEqual({
        path,
        status: 400,
        error: 'unknown_app',
      });
    }
  });

  it('forces a refresh through the same engine', async () => {
    const before = await sandboxStats(browser);
    const response = await admin.postJson(`/admin/shops/${UK_SHOP}/refresh`, {});
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ shop_id: UK_SHOP, refreshed: true, last_refreshed_at: expect.any(String) });
    await noSecrets(body);
    const after = await sandboxStats(browser);
    expect(after.current[UK_SELLER].access_token).not.toBe(before.current[UK_SELLER].access_token);
    const events = (await (await admin.get(`/admin/shops/${UK_SHOP}/events?limit=1`)).json()) as {
      events: { type: string; detail: { trigger: string } }[];
    };
    expect(events.events[0]).toMatchObject({ type: 'refreshed', detail: { trigger: 'admin' } });
  });

  it('lists the event log newest first, paginated', async () => {
    const first = (await (await admin.get(`/admin/shops/${UK_OUTLET}/events?limit=2`)).json()) as {
      events: { id: string; type: string }[];
    };
    const second = (await (await admin.get(`/admin/shops/${UK_OUTLET}/events?limit=2&page=2`)).json()) as {
      events: { id: string; type: string }[];
    };
    const ids = [...first.events, ...second.events].map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect([...first.events, ...second.events].map((event) => event.type)).toContain('granted');
    expect((await admin.get('/admin/shops/7999999999999999/events')).status).toBe(404);
  });

  /** Refresh calls TikTok (the emulator) has received. */
  const refreshCalls = async (): Promise<number> => (await sandboxStats(browser)).calls.token_refresh ?? 0;
  const adminRefresh = async (): Promise<{ status: number; body: { refreshed: boolean; last_refreshed_at: string } }> => {
    const response = await admin.postJson(`/admin/shops/${UK_SHOP}/refresh`, {});
    return { status: response.status, body: (await response.json()) as { refreshed: boolean; last_refreshed_at: string } };
  };

  it('refreshes at TikTok on every call, also right after another refresh', async () => {
    const before = await refreshCalls();
    const issued: string[] = [];
    // The second call comes within 10 s of the first: the token API's window does not apply here.
    for (let i = 0; i < 2; i++) {
      expect(await adminRefresh()).toMatchObject({ status: 200, body: { refreshed: true } });
      issued.push((await sandboxStats(browser)).current[UK_SELLER].access_token);
    }
    expect(await refreshCalls()).toBe(before + 2);
    expect(new Set(issued).size).toBe(2);
    // The token API's forced refresh keeps its window: right after, it takes the token just issued.
    const forced = await service.postJson(`/v1/shops/${UK_SHOP}/token/refresh`, {});
    expect(forced.status).toBe(200);
    expect(((await forced.json()) as { access_token: string }).access_token).toBe(issued[1]);
    expect(await refreshCalls()).toBe(before + 2);
  });

  it('shares one TikTok call among concurrent admin refreshes, and a running refresh with them', async () => {
    expect((await admin.postJson('/sandbox/_control/config', { latency_ms: 1500 })).status).toBe(200);
    try {
      let before = await refreshCalls();
      const first = adminRefresh();
      await waitFor(async () => (await refreshCalls()) === before + 1, 10_000);
      const answers = await Promise.all([first, adminRefresh(), adminRefresh()]);
      expect(answers.map(({ status, body }) => ({ status, refreshed: body.refreshed }))).toEqual(
        Array(3).fill({ status: 200, refreshed: true }),
      );
      expect(new Set(answers.map(({ body }) => body.last_refreshed_at)).size).toBe(1);
      expect(await refreshCalls()).toBe(before + 1);

      // A token request's refresh already with TikTok counts as the admin's, as it rotates the pair.
      await query(
        t.db.url,
        "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '100 seconds' WHERE open_id = $1",
        [UK_SELLER],
      );
      before = await refreshCalls();
      const token = service.get(`/v1/shops/${UK_SHOP}/token`);
      await waitFor(async () => (await refreshCalls()) === before + 1, 10_000);
      expect(await adminRefresh()).toMatchObject({ status: 200, body: { refreshed: true } });
      expect((await token).status).toBe(200);
      expect(await refreshCalls()).toBe(before + 1);
    } finally {
      await admin.postJson('/sandbox/_control/config', { latency_ms: 0 });
    }
  });

  it('revokes one shop of a seller locally; the other keeps its tokens', async () => {
    const response = await admin.request(`/admin/shops/${UK_OUTLET}`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      shop_id: UK_OUTLET,
      app: 'default',
      status: 'revoked',
      authorization_revoked: false,
      already_revoked: false,
      deauthorized_at_tiktok: false,
    });
    expect((await service.get(`/v1/shops/${UK_OUTLET}/token`)).status).toBe(409);
    expect((await service.get(`/v1/shops/${UK_SHOP}/token`)).status).toBe(200);
    const shop = (await (await admin.get(`/admin/shops/${UK_OUTLET}`)).json()) as { status: string };
    expect(shop.status).toBe('revoked');
  });

  it("revokes a seller's last shop: tokens destroyed, 409 on the token API; deauthorize=true tells TikTok too", async () => {
    const calls = (await sandboxStats(browser)).calls.deauthorize ?? 0;
    const response = await admin.request(`/admin/shops/${US_SHOP}?deauthorize=true`, { method: 'DELETE' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ authorization_revoked: true, deauthorized_at_tiktok: true });
    expect((await sandboxStats(browser)).calls.deauthorize).toBe(calls + 1);
    const [row] = await query<{ status: string; access_token: string | null; refresh_token: string | null }>(
      t.db.url,
      'SELECT status, access_token, refresh_token FROM seller_authorizations WHERE open_id = $1',
      [US_SELLER],
    );
    expect(row).toEqual({ status: 'revoked', access_token: null, refresh_token: null });
    const token = await service.get(`/v1/shops/${US_SHOP}/token`);
    expect(token.status).toBe(409);
    expect(((await token.json()) as { error: string }).error).toBe('reauthorization_required');
    // Idempotent, and a re-consent restores the seller.
    expect(await (await admin.request(`/admin/shops/${US_SHOP}`, { method: 'DELETE' })).json()).toMatchObject({ already_revoked: true });
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    expect((await service.get(`/v1/shops/${US_SHOP}/token`)).status).toBe(200);
    expect((await admin.request(`/admin/shops/${US_SHOP}?deauthorize=maybe`, { method: 'DELETE' })).status).toBe(400);
  });

  it('keeps everything when TikTok refuses the deauthorization', async () => {
    await injectFault(browser, { endpoint: 'deauthorize', type: 'http_500', count: 1 });
    const response = await admin.request(`/admin/shops/${MY_SHOP}?deauthorize=true`, { method: 'DELETE' });
    expect(response.status).toBe(502);
    expect(((await response.json()) as { error: string }).error).toBe('tiktok_error');
    expect((await service.get(`/v1/shops/${MY_SHOP}/token`)).status).toBe(200);
  });

  it('summarises authorizations on /auth/status in the original shape', async () => {
    const response = await admin.get('/auth/status');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { authorizations: Record<string, unknown>[] };
    expect(body.authorizations).toHaveLength(3);
    expect(body.authorizations[0]).toMatchObject({
      open_id: UK_SELLER,
      authorized: true,
      access_token_expired: false,
      refresh_token_expired: false,
      expires_at: expect.any(String),
      shops: [
        { shop_id: UK_SHOP, shop_name: 'Demo Shop UK', region: 'GB', status: 'active' },
        { shop_id: UK_OUTLET, shop_name: 'Demo Shop UK Outlet', region: 'GB', status: 'revoked' },
      ],
    });
    await noSecrets(body);
  });

  it('pages /auth/status in creation order with limit and after, and refuses a cursor it does not know', async () => {
    const all = (await (await admin.get('/auth/status')).json()) as {
      authorizations: { authorization_id: string; open_id: string }[];
      next_after: string | null;
    };
    expect(all.next_after).toBeNull();
    const first = (await (await admin.get('/auth/status?limit=2')).json()) as typeof all;
    expect(first.authorizations.map((entry) => entry.open_id)).toEqual(all.authorizations.slice(0, 2).map((entry) => entry.open_id));
    expect(first.next_after).toBe(first.authorizations[1].authorization_id);
    const rest = (await (await admin.get(`/auth/status?limit=2&after=${first.next_after}`)).json()) as typeof all;
    expect(rest).toEqual({ authorizations: all.authorizations.slice(2), next_after: null });

    for (const bad of ['limit=0', 'limit=1001', 'limit=x', 'after=nope', 'after=00000000-0000-4000-8000-000000000000']) {
      const response = await admin.get(`/auth/status?${bad}`);
      expect(`${bad} ${response.status}`).toBe(`${bad} 400`);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it.each([
    ['GET', '/admin/shops'],
    ['GET', `/admin/shops/${UK_SHOP}`],
    ['POST', `/admin/shops/${UK_SHOP}/refresh`],
    ['DELETE', `/admin/shops/${UK_SHOP}`],
    ['GET', `/admin/shops/${UK_SHOP}/events`],
    ['GET', '/admin/authorizations'],
    ['GET', '/auth/status'],
  ])('%s %s refuses service keys (403) and missing keys (401)', async (method, path) => {
    expect((await service.request(path, { method })).status).toBe(403);
    expect((await new HttpClient(t.baseUrl).request(path, { method })).status).toBe(401);
    // Nothing was revoked by the refused DELETE.
    expect((await service.get(`/v1/shops/${UK_SHOP}/token`)).status).toBe(200);
  });

  it('answers health probes without a key', async () => {
    const live = await browser.get('/health/live');
    expect(live.status).toBe(200);
    const ready = await browser.get('/health/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, migrations: { status: 'up' } } });
  });

  it('reports not ready when a migration is missing', async () => {
    await query(t.db.url, "DELETE FROM typeorm_migrations WHERE name = 'Operations1764200000000'");
    try {
      const ready = await browser.get('/health/ready');
      expect(ready.status).toBe(503);
      expect(await ready.json()).toMatchObject({ status: 'error', error: { migrations: { status: 'down' } } });
    } finally {
      await query(t.db.url, "INSERT INTO typeorm_migrations (timestamp, name) VALUES (1764200000000, 'Operations1764200000000')");
    }
    expect((await browser.get('/health/ready')).status).toBe(200);
  });
});
