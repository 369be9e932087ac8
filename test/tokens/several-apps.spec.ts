import { AuthorizationViewsRepository } from '../../src/shops/authorization-views.repository';
import { InvalidationBus } from '../../src/database/invalidation-bus.service';
import { TiktokApps } from '../../src/config/tiktok-apps';
import { TenantsRepository } from '../../src/tenants/tenants.repository';
import { TiktokClient } from '../../src/tiktok/tiktok.client';
import { TokenFastPath } from '../../src/tokens/token-fast-path';
import { query } from '../support/database';
import { consent, sandboxStats, TWO_APPS, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { recordSecrets } from '../support/secrets';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient, TokenBody } from '../support/tokens';
import { waitFor } from '../support/wait';

const UK_SHOP = '7000000000000001';
const UK_OUTLET = '7000000000000002';
const US_SHOP = '7000000000000101';

type Answer = { status: number; body: TokenBody & { error?: string; apps?: string[]; message?: string } };

interface ShopView {
  shop_id: string;
  app: string;
  tenant_id: string | null;
}

/** Counts the calls of the database reads the token API makes, and the answers the fast path gave itself. */
function instrument(t: TestApp): { reads: () => number; fastAnswers: () => number } {
  const views = t.app.get(AuthorizationViewsRepository);
  let reads = 0;
  for (const name of ['shopGrant', 'shopOwners'] as const) {
    const original = views[name].bind(views) as (...args: unknown[]) => Promise<unknown>;
    (views as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      reads += 1;
      return original(...args);
    };
  }
  const fastPath = t.app.get<TokenFastPath, { send: (...args: unknown[]) => void }>(TokenFastPath);
  const send = fastPath.send.bind(fastPath);
  let fast = 0;
  fastPath.send = (...args: unknown[]) => {
    fast += 1;
    send(...args);
  };
  return { reads: () => reads, fastAnswers: () => fast };
}

/**
 * Two sandbox apps (`global`, listed first, and `us`) on one deployment, caches on: the same seller consents
 * through both, so each of its shop ids has one row per app, each with that app's own token.
 */
describe('token API with two apps granted the same shop', () => {
  let t: TestApp;
  let browser: HttpClient;
  let service: KeyClient;
  let counters: ReturnType<typeof instrument>;

  const token = async (client: KeyClient, path: string): Promise<Answer> => {
    const response = await client.get(path);
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };
  const refresh = async (client: KeyClient, path: string): Promise<Answer> => {
    const response = await client.postJson(path, {});
    return { status: response.status, body: (await response.json()) as Answer['body'] };
  };
  const listed = async (
    client: KeyClient,
    search = '',
  ): Promise<{ status: number; body: { shops: ShopView[]; next_after: string | null } }> => {
    const response = await client.get(`/v1/shops${search}`);
    return { status: response.status, body: (await response.json()) as { shops: ShopView[]; next_after: string | null } };
  };
  /** Whether TikTok (the emulator) takes `accessToken` for a call signed by the app `appId`. */
  const acceptedBy = async (appId: string, accessToken: string): Promise<boolean> => {
    const app = t.app.get(TiktokApps).byId(appId);
    if (!app) throw new Error(`no app ${appId}`);
    return t.app
      .get(TiktokClient)
      .authorizedShops(app, accessToken)
      .then(
        (shops) => shops.some((shop) => shop.id === UK_SHOP),
        () => false,
      );
  };

  beforeAll(async () => {
    t = await startTestApp({ ...TWO_APPS, TOKEN_CACHE_ENABLED: 'true' });
    counters = instrument(t);
    browser = new HttpClient(t.baseUrl);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'all shops'));
    // The UK seller through the US app only, for now; the US seller through the global app only.
    expect((await consent(browser, UK_SELLER, 'us')).status).toBe(200);
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    // The caches serve nothing until the invalidation channel listens.
    await waitFor(() => t.app.get(InvalidationBus).healthy, 5000);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('serves a shop id only one app holds without ?app=, from memory once read, and names the app', async () => {
    const first = await token(service, `/v1/shops/${UK_SHOP}/token`);
    expect(first).toMatchObject({ status: 200, body: { shop_id: UK_SHOP, app: 'us', open_id: UK_SELLER } });
    expect(first.body.access_token).toBe((await sandboxStats(browser)).current_by_app.us[UK_SELLER].access_token);
    const reads = counters.reads();
    const fast = counters.fastAnswers();
    for (const path of [
      `/v1/shops/${UK_SHOP}/token`,
      `/v1/shops/${UK_SHOP}/token?app=us`,
      `/v1/shops/${UK_SHOP}/token?min_ttl=60&app=us`,
    ]) {
      expect({ path, ...(await token(service, path)) }).toMatchObject({
        path,
        status: 200,
        body: { app: 'us', access_token: first.body.access_token },
      });
    }
    // Answered before the framework, without one database read: the owners and the token were in memory.
    expect({ reads: counters.reads() - reads, fast: counters.fastAnswers() - fast }).toEqual({ reads: 0, fast: 3 });
    expect(await token(service, `/v1/shops/${US_SHOP}/token`)).toMatchObject({ status: 200, body: { app: 'global', open_id: US_SELLER } });
    // A shop id the other app does not hold is not found there.
    expect(await token(service, `/v1/shops/${US_SHOP}/token?app=us`)).toMatchObject({ status: 404, body: { error: 'shop_not_found' } });
  });

  it('answers app_required, listing the apps, once a second app is granted the cached shop id', async () => {
    expect(await token(service, `/v1/shops/${UK_SHOP}/token`)).toMatchObject({ status: 200, body: { app: 'us' } });
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    const ambiguous = await token(service, `/v1/shops/${UK_SHOP}/token`);
    expect(ambiguous).toEqual({
      status: 400,
      body: expect.objectContaining({
        statusCode: 400,
        error: 'app_required',
        apps: ['global', 'us'],
        message: expect.stringContaining('?app='),
      }),
    });
    // The same from memory (the owners are cached now), on the refresh route, and for the shop's outlet.
    expect(await token(service, `/v1/shops/${UK_SHOP}/token?min_ttl=60`)).toMatchObject({ status: 400, body: { error: 'app_required' } });
    expect(await refresh(service, `/v1/shops/${UK_SHOP}/token/refresh`)).toMatchObject({ status: 400, body: { error: 'app_required' } });
    expect(await token(service, `/v1/shops/${UK_OUTLET}/token`)).toMatchObject({ status: 400, body: { apps: ['global', 'us'] } });
  });

  it("gives each app's own token with ?app=, each valid at TikTok for that app only, never mixed by the cache", async () => {
    const stats = await sandboxStats(browser);
    const seen: Record<string, string> = {};
    for (let round = 0; round < 3; round += 1) {
      for (const app of ['us', 'global']) {
        const answer = await token(service, `/v1/shops/${UK_SHOP}/token?app=${app}`);
        expect(answer).toMatchObject({ status: 200, body: { shop_id: UK_SHOP, app, open_id: UK_SELLER } });
        expect(answer.body.access_token).toBe(stats.current_by_app[app][UK_SELLER].access_token);
        seen[app] = answer.body.access_token;
      }
    }
    expect(seen.us).not.toBe(seen.global);
    expect([await acceptedBy('us', seen.us), await acceptedBy('global', seen.global)]).toEqual([true, true]);
    expect([await acceptedBy('global', seen.us), await acceptedBy('us', seen.global)]).toEqual([false, false]);
  });

  it("refreshes the named app's authorization only", async () => {
    const before = await sandboxStats(browser);
    const renewed = await refresh(service, `/v1/shops/${UK_SHOP}/token/refresh?app=us`);
    expect(renewed).toMatchObject({ status: 200, body: { app: 'us', shop_id: UK_SHOP } });
    const after = await sandboxStats(browser);
    expect(renewed.body.access_token).toBe(after.current_by_app.us[UK_SELLER].access_token);
    expect(renewed.body.access_token).not.toBe(before.current_by_app.us[UK_SELLER].access_token);
    expect(after.current_by_app.global[UK_SELLER]).toEqual(before.current_by_app.global[UK_SELLER]);
    // The cache forgot the old US token and kept the global one.
    expect((await token(service, `/v1/shops/${UK_SHOP}/token?app=us`)).body.access_token).toBe(renewed.body.access_token);
    expect((await token(service, `/v1/shops/${UK_SHOP}/token?app=global`)).body.access_token).toBe(
      after.current_by_app.global[UK_SELLER].access_token,
    );
  });

  it('refuses an unknown app with 400 unknown_app on every route that takes one', async () => {
    for (const answer of [
      await token(service, `/v1/shops/${UK_SHOP}/token?app=nope`),
      await token(service, `/v1/shops/${US_SHOP}/token?app=nope`),
      await token(service, `/v1/shops/${UK_SHOP}/token?app=US`),
      await token(service, `/v1/shops/${UK_SHOP}/token?app=`),
      await refresh(service, `/v1/shops/${UK_SHOP}/token/refresh?app=nope`),
    ]) {
      expect(answer).toMatchObject({
        status: 400,
        body: { error: 'unknown_app', message: expect.stringContaining('is not configured here') },
      });
    }
    expect(await listed(service, '?app=nope')).toMatchObject({ status: 400, body: { error: 'unknown_app' } });
    // Twice is not one app.
    expect((await token(service, `/v1/shops/${UK_SHOP}/token?app=us&app=global`)).status).toBe(400);
  });

  it('lists a shop id once per app, with its app, and filters by ?app= with the other filters', async () => {
    const all = await listed(service);
    expect(all.status).toBe(200);
    expect(all.body.shops.map((shop) => `${shop.shop_id}:${shop.app}`)).toEqual([
      `${UK_SHOP}:global`,
      `${UK_SHOP}:us`,
      `${UK_OUTLET}:global`,
      `${UK_OUTLET}:us`,
      `${US_SHOP}:global`,
    ]);
    const us = await listed(service, '?app=us');
    expect(us.body.shops.map((shop) => `${shop.shop_id}:${shop.app}`)).toEqual([`${UK_SHOP}:us`, `${UK_OUTLET}:us`]);
    expect((await listed(service, '?app=global&after=' + UK_OUTLET)).body.shops.map((shop) => shop.shop_id)).toEqual([US_SHOP]);
    const limited = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'uk shop', [UK_SHOP]));
    expect((await listed(limited, '?app=global')).body.shops.map((shop) => `${shop.shop_id}:${shop.app}`)).toEqual([`${UK_SHOP}:global`]);
    // Pages of one row never end inside a shop id: each page has every app's row of its shop id.
    const pages: string[][] = [];
    let after: string | null = null;
    do {
      const page = await listed(service, `?limit=1${after === null ? '' : `&after=${after}`}`);
      pages.push(page.body.shops.map((shop) => `${shop.shop_id}:${shop.app}`));
      after = page.body.next_after;
    } while (after !== null && pages.length < 10);
    expect(pages.flat()).toEqual(all.body.shops.map((shop) => `${shop.shop_id}:${shop.app}`));
    expect(pages[0]).toEqual([`${UK_SHOP}:global`, `${UK_SHOP}:us`]);
  });

  it('lets a key limited to a shop id reach it in every app', async () => {
    const limited = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'uk shop only', [UK_SHOP]));
    for (const app of ['us', 'global']) {
      expect(await token(limited, `/v1/shops/${UK_SHOP}/token?app=${app}`)).toMatchObject({ status: 200, body: { app } });
    }
    expect(await token(limited, `/v1/shops/${UK_SHOP}/token`)).toMatchObject({ status: 400, body: { error: 'app_required' } });
    expect(await token(limited, `/v1/shops/${UK_OUTLET}/token?app=us`)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
  });

  describe('tenant-scoped keys', () => {
    const keys: Record<string, KeyClient> = {};

    /** Gives the seller's authorization of one app to `tenantId`, announced as a transfer is. */
    async function setTenant(appId: string, tenantId: string): Promise<void> {
      const appKey = t.app.get(TiktokApps).keyOf(appId);
      await query(
        t.db.url,
        `WITH moved AS (UPDATE seller_authorizations SET tenant_id = $3 WHERE open_id = $1 AND app_key = $2 RETURNING id)
         SELECT pg_notify('tts_invalidate', json_build_object('kind', 'authorization', 'id', moved.id)::text) FROM moved`,
        [UK_SELLER, appKey, tenantId],
      );
    }

    beforeAll(async () => {
      const tenants = t.app.get(TenantsRepository);
      for (const tenantId of ['acme', 'globex']) await tenants.upsert({ tenantId, name: tenantId, metadata: {} });
      const admin = new KeyClient(t.baseUrl, t.adminKey);
      for (const [name, tenantIds] of Object.entries({ acme: ['acme'], globex: ['globex'], both: ['acme', 'globex'] })) {
        const response = await admin.postJson('/admin/api-keys', { name, tenant_ids: tenantIds });
        expect(response.status).toBe(201);
        const { key } = (await response.json()) as { key: string };
        recordSecrets([key]);
        keys[name] = new KeyClient(t.baseUrl, key);
      }
      // The UK seller's US authorization is acme's, its global one globex's: the same shop ids, two owners.
      await setTenant('us', 'acme');
      await setTenant('global', 'globex');
    });

    it("serves a tenant its own app's row without ?app=, never telling it of another tenant's", async () => {
      await waitFor(async () => (await token(keys.acme, `/v1/shops/${UK_SHOP}/token`)).status === 200, 2000);
      for (let i = 0; i < 2; i += 1) {
        expect(await token(keys.acme, `/v1/shops/${UK_SHOP}/token`)).toMatchObject({ status: 200, body: { app: 'us', tenant_id: 'acme' } });
        expect(await token(keys.globex, `/v1/shops/${UK_SHOP}/token`)).toMatchObject({
          status: 200,
          body: { app: 'global', tenant_id: 'globex' },
        });
      }
      expect(await refresh(keys.acme, `/v1/shops/${UK_SHOP}/token/refresh`)).toMatchObject({ status: 200, body: { app: 'us' } });
      // The other tenant's app, named: the same 403 as for a shop that does not exist.
      expect(await token(keys.acme, `/v1/shops/${UK_SHOP}/token?app=global`)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      expect(await refresh(keys.acme, `/v1/shops/${UK_SHOP}/token/refresh?app=global`)).toMatchObject({ status: 403 });
      expect(await token(keys.acme, `/v1/shops/${UK_SHOP}/token?app=us`)).toMatchObject({ status: 200, body: { app: 'us' } });
      expect(await token(keys.acme, `/v1/shops/${UK_SHOP}/token?app=nope`)).toMatchObject({ status: 400, body: { error: 'unknown_app' } });
      // A key of both tenants sees both rows: it must name the app.
      expect(await token(keys.both, `/v1/shops/${UK_SHOP}/token`)).toMatchObject({
        status: 400,
        body: { error: 'app_required', apps: ['global', 'us'] },
      });
      expect(await token(keys.both, `/v1/shops/${UK_SHOP}/token?app=global`)).toMatchObject({ status: 200, body: { tenant_id: 'globex' } });
      // A shop id of neither tenant.
      expect(await token(keys.acme, `/v1/shops/${US_SHOP}/token`)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    });

    it('lists a tenant only its own rows, and filters them by app', async () => {
      expect((await listed(keys.acme)).body.shops.map((shop) => `${shop.shop_id}:${shop.app}:${shop.tenant_id}`)).toEqual([
        `${UK_SHOP}:us:acme`,
        `${UK_OUTLET}:us:acme`,
      ]);
      expect((await listed(keys.acme, '?app=global')).body.shops).toEqual([]);
      expect((await listed(keys.both, '?app=global&tenant_id=globex')).body.shops.map((shop) => `${shop.shop_id}:${shop.app}`)).toEqual([
        `${UK_SHOP}:global`,
        `${UK_OUTLET}:global`,
      ]);
    });

    it("follows a transfer of one app's authorization on the next request", async () => {
      // acme's row moves to globex: now globex sees both rows, acme none.
      await setTenant('us', 'globex');
      await waitFor(async () => (await token(keys.acme, `/v1/shops/${UK_SHOP}/token`)).status === 403, 2000);
      expect(await token(keys.globex, `/v1/shops/${UK_SHOP}/token`)).toMatchObject({ status: 400, body: { error: 'app_required' } });
      expect(await token(keys.globex, `/v1/shops/${UK_SHOP}/token?app=us`)).toMatchObject({ status: 200, body: { tenant_id: 'globex' } });
    });
  });
});

describe('token API with one app configured the single-app way', () => {
  let t: TestApp;
  let service: KeyClient;
  let counters: ReturnType<typeof instrument>;
  const calls: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ TOKEN_CACHE_ENABLED: 'true' });
    counters = instrument(t);
    const views = t.app.get(AuthorizationViewsRepository);
    const owners = views.shopOwners.bind(views);
    views.shopOwners = (shopId: string) => {
      calls.push(shopId);
      return owners(shopId);
    };
    expect((await consent(new HttpClient(t.baseUrl), UK_SELLER)).status).toBe(200);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'all shops'));
    await waitFor(() => t.app.get(InvalidationBus).healthy, 5000);
  });
  afterAll(async () => {
    await t?.close();
  });

  it("needs no app and looks up no shop's owners: one read on a miss, none once cached", async () => {
    const reads = counters.reads();
    const first = await service.get(`/v1/shops/${UK_SHOP}/token`);
    expect({ status: first.status, body: await first.json() }).toMatchObject({ status: 200, body: { shop_id: UK_SHOP, app: 'default' } });
    expect(counters.reads() - reads).toBe(1);
    const fast = counters.fastAnswers();
    for (const path of [`/v1/shops/${UK_SHOP}/token`, `/v1/shops/${UK_SHOP}/token?app=default`]) {
      expect((await service.get(path)).status).toBe(200);
    }
    expect({ reads: counters.reads() - reads, fast: counters.fastAnswers() - fast, owners: calls }).toEqual({
      reads: 1,
      fast: 2,
      owners: [],
    });
    expect((await listed(service)).map((shop) => shop.app)).toEqual(['default', 'default']);
  });

  it('knows only the app `default`', async () => {
    const response = await service.get(`/v1/shops/${UK_SHOP}/token?app=us`);
    expect({ status: response.status, body: await response.json() }).toMatchObject({
      status: 400,
      body: { error: 'unknown_app', message: 'app "us" is not configured here (an app id is 1 to 32 characters of a-z, 0-9 and -)' },
    });
  });

  async function listed(client: KeyClient): Promise<ShopView[]> {
    return ((await (await client.get('/v1/shops')).json()) as { shops: ShopView[] }).shops;
  }
});

describe('a shop id whose row in one app is revoked, with two apps', () => {
  let t: TestApp;
  let service: KeyClient;
  let admin: KeyClient;

  beforeAll(async () => {
    t = await startTestApp(TWO_APPS);
    const browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER, 'us')).status).toBe(200);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'all shops'));
    admin = new KeyClient(t.baseUrl, t.adminKey);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is no longer ambiguous: the row still granted answers without ?app=, on the token and the admin routes', async () => {
    expect((await service.get(`/v1/shops/${UK_SHOP}/token`)).status).toBe(400);
    expect((await admin.request(`/admin/shops/${UK_SHOP}?app=global`, { method: 'DELETE' })).status).toBe(200);
    const served = await service.get(`/v1/shops/${UK_SHOP}/token`);
    expect({ status: served.status, app: ((await served.json()) as TokenBody).app }).toEqual({ status: 200, app: 'us' });
    const shown = await admin.get(`/admin/shops/${UK_SHOP}`);
    expect({ status: shown.status, app: ((await shown.json()) as { app: string }).app }).toEqual({ status: 200, app: 'us' });
    // The revoked row is still there when named.
    expect(await (await service.get(`/v1/shops/${UK_SHOP}/token?app=global`)).json()).toMatchObject({ error: 'reauthorization_required' });
    // Both revoked: ambiguous again (neither is granted), so the name is needed to say which.
    expect((await admin.request(`/admin/shops/${UK_SHOP}?app=us`, { method: 'DELETE' })).status).toBe(200);
    expect(await (await service.get(`/v1/shops/${UK_SHOP}/token`)).json()).toMatchObject({ error: 'app_required', apps: ['global', 'us'] });
  });
});
