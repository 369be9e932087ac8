import { query } from '../support/database';
import { waitFor } from '../support/wait';
import { clearFaults, consent, injectFault, sandboxControl, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient, TokenBody } from '../support/tokens';

const UK_SHOP = '7000000000000001';
const UK_OUTLET = '7000000000000002';
const US_SHOP = '7000000000000101';

describe('token API', () => {
  let t: TestApp;
  let browser: HttpClient;
  let service: KeyClient;

  async function expireSoon(openId: string, seconds = 60): Promise<void> {
    await query(
      t.db.url,
      'UPDATE seller_authorizations SET access_token_expires_at = now() + make_interval(secs => $2) WHERE open_id = $1',
      [openId, seconds],
    );
  }

  async function expectError(response: Response, status: number, error: string): Promise<Record<string, unknown>> {
    expect(response.status).toBe(status);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: status, error, message: expect.any(String) });
    return body;
  }

  beforeAll(async () => {
    t = await startTestApp({ REFRESH_BACKOFF_BASE_SECONDS: '2', REFRESH_BACKOFF_MAX_SECONDS: '4', TIKTOK_HTTP_TIMEOUT_MS: '500' });
    browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'all shops'));
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await clearFaults(browser);
  });

  it('serves the stored token without calling TikTok when it has min_ttl left', async () => {
    const before = (await sandboxStats(browser)).calls.token_refresh ?? 0;
    const response = await service.get(`/v1/shops/${UK_SHOP}/token`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenBody;
    const stats = await sandboxStats(browser);
    expect(body).toEqual({
      shop_id: UK_SHOP,
      // The one app of a deployment configured the single-app way.
      app: 'default',
      shop_cipher: expect.any(String),
      access_token: stats.current[UK_SELLER].access_token,
      expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      open_id: UK_SELLER,
      seller_name: 'Demo Seller UK',
      region: 'GB',
      // A seller connected by the anonymous consent belongs to no tenant.
      tenant_id: null,
    });
    expect(JSON.stringify(body)).not.toContain(stats.current[UK_SELLER].refresh_token);
    expect(stats.calls.token_refresh ?? 0).toBe(before);
  });

  it('refreshes first when the token has less than min_ttl left, and stores the rotated pair', async () => {
    await expireSoon(UK_SELLER, 120);
    const old = (await sandboxStats(browser)).current[UK_SELLER];
    // 120 s left satisfies min_ttl=60 ...
    const relaxed = (await (await service.get(`/v1/shops/${UK_SHOP}/token?min_ttl=60`)).json()) as TokenBody;
    expect(relaxed.access_token).toBe(old.access_token);
    // ... but not the default 300.
    const response = await service.get(`/v1/shops/${UK_SHOP}/token`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as TokenBody;
    const now = (await sandboxStats(browser)).current[UK_SELLER];
    expect(body.access_token).toBe(now.access_token);
    expect(now.refresh_token).not.toBe(old.refresh_token);
    expect(new Date(body.expires_at).getTime()).toBeGreaterThan(Date.now() + 86400 * 1000);
    // The second shop of the same authorization shares the new token.
    const outlet = (await (await service.get(`/v1/shops/${UK_OUTLET}/token`)).json()) as TokenBody;
    expect(outlet.access_token).toBe(now.access_token);
    const events = await query<{ type: string; detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT type, detail FROM authorization_events WHERE type = 'refreshed'",
    );
    expect(events).toHaveLength(1);
    expect(events[0].detail).toMatchObject({ trigger: 'api' });
  });

  it('serves a valid token through a TikTok outage, and 503 tiktok_unavailable with Retry-After when one is needed', async () => {
    await injectFault(browser, { endpoint: 'token_refresh', type: 'http_503' });
    expect((await service.get(`/v1/shops/${US_SHOP}/token`)).status).toBe(200);
    await expireSoon(US_SELLER, 100);
    const failed = await service.get(`/v1/shops/${US_SHOP}/token`);
    const body = await expectError(failed, 503, 'tiktok_unavailable');
    expect(Number(failed.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(body.retry_after_seconds).toBe(Number(failed.headers.get('retry-after')));
    // min_ttl=0 accepts the still-valid token.
    expect((await service.get(`/v1/shops/${US_SHOP}/token?min_ttl=0`)).status).toBe(200);
    // During the backoff nobody calls TikTok again.
    const calls = (await sandboxStats(browser)).calls.token_refresh;
    await expectError(await service.get(`/v1/shops/${US_SHOP}/token`), 503, 'tiktok_unavailable');
    expect((await sandboxStats(browser)).calls.token_refresh).toBe(calls);
    const [row] = await query<{ status: string; refresh_failures: number }>(
      t.db.url,
      'SELECT status, refresh_failures FROM seller_authorizations WHERE open_id = $1',
      [US_SELLER],
    );
    expect(row).toEqual({ status: 'active', refresh_failures: 1 });

    // TikTok is back; after the backoff the next request refreshes.
    await clearFaults(browser);
    await waitFor(
      async () => {
        const [{ due }] = await query<{ due: boolean }>(
          t.db.url,
          'SELECT next_refresh_at <= now() AS due FROM seller_authorizations WHERE open_id = $1',
          [US_SELLER],
        );
        return due;
      },
      6000,
      50,
    );
    const recovered = await service.get(`/v1/shops/${US_SHOP}/token`);
    expect(recovered.status).toBe(200);
    expect(((await recovered.json()) as TokenBody).access_token).toBe((await sandboxStats(browser)).current[US_SELLER].access_token);
    const [after] = await query<{ refresh_failures: number; next_refresh_at: Date | null }>(
      t.db.url,
      'SELECT refresh_failures, next_refresh_at FROM seller_authorizations WHERE open_id = $1',
      [US_SELLER],
    );
    expect(after).toEqual({ refresh_failures: 0, next_refresh_at: null });
  });

  it('forces a refresh on POST .../token/refresh, but only once within a few seconds', async () => {
    await query(t.db.url, "UPDATE seller_authorizations SET last_refreshed_at = now() - interval '1 minute'");
    const before = (await sandboxStats(browser)).current[UK_SELLER].access_token;
    const first = await service.postJson(`/v1/shops/${UK_SHOP}/token/refresh`, {});
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as TokenBody;
    expect(firstBody.access_token).not.toBe(before);
    const calls = (await sandboxStats(browser)).calls.token_refresh;
    const again = await Promise.all([0, 1, 2].map(() => service.postJson(`/v1/shops/${UK_OUTLET}/token/refresh`, {})));
    for (const response of again) expect(((await response.json()) as TokenBody).access_token).toBe(firstBody.access_token);
    expect((await sandboxStats(browser)).calls.token_refresh).toBe(calls);
  });

  it('answers 409 reauthorization_required for a dead refresh token, and a new consent restores it', async () => {
    await sandboxControl(browser, `authorizations/${US_SELLER}/revoke`, {});
    await expireSoon(US_SELLER, 30);
    const body = await expectError(await service.get(`/v1/shops/${US_SHOP}/token`), 409, 'reauthorization_required');
    expect(String(body.message)).toMatch(/consent/);
    // Once marked, no further TikTok call is made for it.
    const calls = (await sandboxStats(browser)).calls.token_refresh;
    await expectError(await service.get(`/v1/shops/${US_SHOP}/token?min_ttl=0`), 409, 'reauthorization_required');
    expect((await sandboxStats(browser)).calls.token_refresh).toBe(calls);
    const events = await query<{ type: string }>(
      t.db.url,
      "SELECT type FROM authorization_events WHERE open_id = $1 AND type = 'reauthorization_required'",
      [US_SELLER],
    );
    expect(events).toHaveLength(1);

    expect((await consent(browser, US_SELLER)).status).toBe(200);
    expect((await service.get(`/v1/shops/${US_SHOP}/token`)).status).toBe(200);
  });

  it('answers 404 shop_not_found, 400 for a malformed shop id or min_ttl', async () => {
    await expectError(await service.get('/v1/shops/7999999999999999/token'), 404, 'shop_not_found');
    await expectError(await service.get('/v1/shops/bad%20id/token'), 400, 'invalid_request');
    await expectError(await service.get(`/v1/shops/${UK_SHOP}/token?min_ttl=abc`), 400, 'invalid_request');
    await expectError(await service.get(`/v1/shops/${UK_SHOP}/token?min_ttl=-5`), 400, 'invalid_request');
    await expectError(await service.get(`/v1/shops/${UK_SHOP}/token?min_ttl=1&min_ttl=2`), 400, 'invalid_request');
    await expectError(await service.get(`/v1/shops/${UK_SHOP}/token?nope=1`), 400, 'invalid_request');
  });

  it('lists the shops a key may see, with status and expiry but no token', async () => {
    const limited = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'uk only', [UK_SHOP]));
    const all = (await (await service.get('/v1/shops')).json()) as { shops: Record<string, unknown>[]; next_after: string | null };
    expect(all.shops.map((shop) => shop.shop_id)).toEqual([UK_SHOP, UK_OUTLET, US_SHOP]);
    expect(all.shops[0]).toMatchObject({ status: 'active', region: 'GB', open_id: UK_SELLER });
    expect(JSON.stringify(all)).not.toMatch(/SBX[AR]_/);
    const mine = (await (await limited.get('/v1/shops')).json()) as { shops: Record<string, unknown>[] };
    expect(mine.shops.map((shop) => shop.shop_id)).toEqual([UK_SHOP]);
    const page = (await (await service.get('/v1/shops?limit=2')).json()) as { shops: Record<string, unknown>[]; next_after: string };
    expect(page.shops).toHaveLength(2);
    const rest = (await (await service.get(`/v1/shops?limit=2&after=${page.next_after}`)).json()) as { shops: Record<string, unknown>[] };
    expect(rest.shops.map((shop) => shop.shop_id)).toEqual([US_SHOP]);
    await query(t.db.url, "UPDATE seller_authorizations SET refresh_token_expires_at = now() + interval '10 days' WHERE open_id = $1", [
      UK_SELLER,
    ]);
    const expiring = (await (await limited.get('/v1/shops')).json()) as { shops: Record<string, unknown>[] };
    expect(expiring.shops[0].status).toBe('expiring');
  });

  it('confines a limited key to its shops on every route and refuses a deleted key at once', async () => {
    const admin = new KeyClient(t.baseUrl, t.adminKey);
    const created = (await (await admin.postJson('/admin/api-keys', { name: 'uk outlet', shop_ids: [UK_OUTLET] })).json()) as {
      id: string;
      key: string;
    };
    const limited = new KeyClient(t.baseUrl, created.key);
    expect((await limited.get(`/v1/shops/${UK_OUTLET}/token`)).status).toBe(200);
    await expectError(await limited.get(`/v1/shops/${UK_SHOP}/token`), 403, 'forbidden');
    await expectError(await limited.postJson(`/v1/shops/${UK_SHOP}/token/refresh`, {}), 403, 'forbidden');
    // Even a shop that does not exist: a limited key learns nothing outside its list.
    await expectError(await limited.get('/v1/shops/7999999999999999/token'), 403, 'forbidden');
    await expectError(await limited.get('/admin/api-keys'), 403, 'forbidden');

    expect((await admin.request(`/admin/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    await expectError(await limited.get(`/v1/shops/${UK_OUTLET}/token`), 401, 'unauthorized');
    await expectError(await new HttpClient(t.baseUrl).get(`/v1/shops/${UK_OUTLET}/token`), 401, 'unauthorized');
    // The admin key reads any shop.
    expect((await admin.get(`/v1/shops/${UK_SHOP}/token`)).status).toBe(200);
  });
});

describe('admin view of authorizations', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const browser = new HttpClient(t.baseUrl);
    await consent(browser, UK_SELLER);
    await consent(browser, US_SELLER);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists authorizations ending within 30 days as expiring, without any token', async () => {
    await query(t.db.url, "UPDATE seller_authorizations SET refresh_token_expires_at = now() + interval '20 days' WHERE open_id = $1", [
      US_SELLER,
    ]);
    const admin = new KeyClient(t.baseUrl, t.adminKey);
    const response = await admin.get('/admin/authorizations?status=expiring');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { authorizations: Record<string, unknown>[] };
    expect(body.authorizations).toHaveLength(1);
    expect(body.authorizations[0]).toMatchObject({ open_id: US_SELLER, status: 'expiring', shop_ids: [US_SHOP], refresh_failures: 0 });
    expect(JSON.stringify(body)).not.toMatch(/SBX[AR]_|v1:/);
    const all = (await (await admin.get('/admin/authorizations')).json()) as { authorizations: { status: string }[] };
    expect(all.authorizations.map((row) => row.status).sort()).toEqual(['active', 'expiring']);
    expect((await admin.get('/admin/authorizations?status=bogus')).status).toBe(400);
    const service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'svc'));
    expect((await service.get('/admin/authorizations')).status).toBe(403);
    const anonymous = await new HttpClient(t.baseUrl).get('/admin/authorizations');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer');
  });
});
