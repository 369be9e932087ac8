import type { TiktokApp } from '../../src/config/tiktok-apps';
import {
  beginConsent,
  callbackUrl,
  CallbackJson,
  consent,
  mintCode,
  sandboxStats,
  TWO_APPS,
  UK_SELLER,
  US_SELLER,
} from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { storedTokens } from '../support/stored-tokens';
import { startTestApp, TestApp } from '../support/test-app';
import { KeyClient } from '../support/tokens';

const APPS = ['global', 'us'] as const;
type AppId = (typeof APPS)[number];
const UK_SHOPS = ['7000000000000001', '7000000000000002'];

function appOf(t: TestApp, id: string): TiktokApp {
  const app = t.config.tiktok.apps.find((candidate) => candidate.id === id);
  if (!app) throw new Error(`no app ${id} configured`);
  return app;
}

async function errorOf(response: Response): Promise<[number, string]> {
  return [response.status, ((await response.json()) as { error: string }).error];
}

async function authorizations(t: TestApp): Promise<{ id: string; open_id: string; app_key: string }[]> {
  return query(t.db.url, 'SELECT id, open_id, app_key FROM seller_authorizations ORDER BY app_key, open_id');
}

/** The emulator's consent page for `location` (the service's redirect), then Approve as `openId`: the callback URL it sends to. */
async function approveAtEmulator(client: HttpClient, location: URL, openId: string): Promise<{ page: string; callback: URL }> {
  const page = await client.get(location.toString(), 'text/html');
  expect(page.status).toBe(200);
  const approve = await client.postForm(
    `${location.origin}${location.pathname}`,
    {
      service_id: location.searchParams.get('service_id') ?? '',
      state: location.searchParams.get('state') ?? '',
      open_id: openId,
      decision: 'approve',
    },
    'text/html',
  );
  expect(approve.status).toBe(302);
  return { page: await page.text(), callback: new URL(approve.headers.get('location') ?? '') };
}

describe('consent with two apps (global, us)', () => {
  let t: TestApp;
  let client: HttpClient;

  beforeAll(async () => {
    t = await startTestApp(TWO_APPS);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    client = new HttpClient(t.baseUrl);
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events CASCADE');
  });

  it("consents through each app's own consent page, the code exchanged with that app's credentials", async () => {
    for (const app of APPS) {
      const { location } = await beginConsent(client, app);
      expect(location.searchParams.get('service_id')).toBe(appOf(t, app).serviceId);
      const { page, callback } = await approveAtEmulator(client, location, UK_SELLER);
      expect(page).toContain(`<strong id="app-id">${app}</strong>`);
      // Each app's redirect URL is its own.
      expect(callback.pathname).toBe(`/auth/callback/${app}`);
      const answer = await client.get(`${callback.pathname}${callback.search}`, 'application/json');
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as CallbackJson & { app: string };
      expect([body.app, body.open_id]).toEqual([app, UK_SELLER]);
    }

    // One authorization per app, each holding the pair the emulator issued to that app for the seller.
    const rows = await authorizations(t);
    expect(rows.map((row) => [row.open_id, row.app_key])).toEqual([
      [UK_SELLER, 'sandbox-global-app-key'],
      [UK_SELLER, 'sandbox-us-app-key'],
    ]);
    const stats = await sandboxStats(client);
    for (const [index, app] of APPS.entries()) {
      const issued = stats.current_by_app[app][UK_SELLER];
      expect(await storedTokens(t.app).readTokens(rows[index].id)).toEqual({
        accessToken: issued.access_token,
        refreshToken: issued.refresh_token,
      });
    }
    expect(stats.current_by_app.global[UK_SELLER].access_token).not.toBe(stats.current_by_app.us[UK_SELLER].access_token);
    // The same shops, once per app.
    const shops = await query<{ app_key: string; id: string }>(t.db.url, 'SELECT app_key, id FROM shops ORDER BY app_key, id');
    expect(shops.map((shop) => [shop.app_key, shop.id])).toEqual([
      ['sandbox-global-app-key', UK_SHOPS[0]],
      ['sandbox-global-app-key', UK_SHOPS[1]],
      ['sandbox-us-app-key', UK_SHOPS[0]],
      ['sandbox-us-app-key', UK_SHOPS[1]],
    ]);
  });

  it('takes the state-bound callbacks of both apps on the plain /auth/callback too', async () => {
    const sellers: Record<AppId, string> = { global: UK_SELLER, us: US_SELLER };
    for (const app of APPS) {
      const response = await consent(client, sellers[app], app);
      expect([response.status, (response.body as CallbackJson & { app: string }).app]).toEqual([200, app]);
    }
    expect((await authorizations(t)).map((row) => [row.open_id, row.app_key])).toEqual([
      [UK_SELLER, 'sandbox-global-app-key'],
      [US_SELLER, 'sandbox-us-app-key'],
    ]);
  });

  it("refuses a state issued for us on global's redirect URL with invalid_state, spending it and storing nothing", async () => {
    const { state } = await beginConsent(client, 'us');
    const code = await mintCode(client, UK_SELLER, 'us');
    expect(await errorOf(await client.get(`/auth/callback/global?${new URLSearchParams({ code, state })}`))).toEqual([
      400,
      'invalid_state',
    ]);
    // Spent: not even its own app's redirect URL takes it now.
    expect(await errorOf(await client.get(`/auth/callback/us?${new URLSearchParams({ code, state })}`))).toEqual([400, 'invalid_state']);
    expect(await authorizations(t)).toEqual([]);
    const events = await query<{ detail: { step: string; reason: string } }>(
      t.db.url,
      "SELECT detail FROM authorization_events WHERE type = 'callback_failed' ORDER BY id",
    );
    expect(events[0].detail).toMatchObject({ step: 'state', reason: 'issued for another app' });
  });

  it('answers an app it does not serve with 400 unknown_app, as JSON and as a page, before spending any state', async () => {
    for (const path of ['/auth/tiktok?app=nope', '/auth/tiktok?app=US', '/auth/callback/nope?code=x']) {
      expect(`${path} ${(await errorOf(await client.get(path))).join(' ')}`).toBe(`${path} 400 unknown_app`);
      const page = await client.get(path, 'text/html');
      expect(`${path} ${page.status}`).toBe(`${path} 400`);
      expect(page.headers.get('content-type')).toContain('text/html');
      const html = await page.text();
      expect(html).toContain('data-error="unknown_app"');
      expect(html).toContain('Unknown app');
    }
    // A repeated app is no app id at all.
    expect(await errorOf(await client.get('/auth/tiktok?app=us&app=global'))).toEqual([400, 'invalid_request']);
    const [row] = await query<{ n: number }>(t.db.url, 'SELECT count(*)::int AS n FROM oauth_states');
    expect(row.n).toBe(0);

    // A state sent to an unknown app's URL stays usable on its own app's.
    const { state } = await beginConsent(client, 'us');
    const code = await mintCode(client, UK_SELLER, 'us');
    expect(await errorOf(await client.get(`/auth/callback/nope?${new URLSearchParams({ code, state })}`))).toEqual([400, 'unknown_app']);
    const answer = await client.get(`/auth/callback/us?${new URLSearchParams({ code, state })}`);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { app: string }).app).toBe('us');
  });

  it("names the app on the result page, and the next step's token call asks for that app's", async () => {
    const { state } = await beginConsent(client, 'us');
    const code = await mintCode(client, UK_SELLER, 'us');
    const callback = await client.get(`/auth/callback/us?${new URLSearchParams({ code, state })}`, 'text/html');
    expect([callback.status, callback.headers.get('location')]).toEqual([303, '/auth/result']);
    const result = await client.get('/auth/result', 'text/html');
    expect(result.status).toBe(200);
    const page = await result.text();
    expect(page).toContain('authorized the app <strong id="app" data-app="us">us</strong> for 2 shops');
    expect(page).toContain(`/v1/shops/${UK_SHOPS[0]}/token?app=us`);
  });

  it("sends a seller whose consent failed back to the home page's buttons, not to one app's consent", async () => {
    const callback = await client.get('/auth/callback?code=x&state=not-a-state', 'text/html');
    expect([callback.status, callback.headers.get('location')]).toEqual([303, '/auth/result']);
    const failed = await client.get('/auth/result', 'text/html');
    expect(failed.status).toBe(400);
    const page = await failed.text();
    expect(page).toContain('<a class="button" href="/">Start the authorization again</a>');
    expect(page).not.toContain('href="/auth/tiktok"');
  });

  it('offers one authorize button and one demo connect link per app on the home page, and lists each seller with its app', async () => {
    await consent(client, UK_SELLER, 'us');
    const page = await (await client.get('/', 'text/html')).text();
    for (const app of APPS) {
      expect(page).toContain(`id="authorize-${app}" data-app="${app}" href="/auth/tiktok?app=${app}"`);
      expect(page).toContain(`Authorize with TikTok Shop (app ${app})`);
      expect(page).toContain(`id="demo-connect-${app}" href="/auth/connect-demo?app=${app}"`);
    }
    expect(page).not.toContain('id="authorize"');
    expect(page).not.toContain('href="/auth/tiktok"');
    expect(page).toMatch(
      /<h3>Demo Seller UK <span[^>]*data-status="active">active<\/span> <span class="badge badge-app" data-app="us">app us<\/span><\/h3>/,
    );
  });

  it('carries app in /auth/status and filters it by ?app=', async () => {
    await consent(client, UK_SELLER, 'us');
    await consent(client, US_SELLER, 'global');
    const admin = new KeyClient(t.baseUrl, t.adminKey);
    type Status = { authorizations: { open_id: string; app: string }[]; next_after: string | null };
    const all = (await (await admin.get('/auth/status')).json()) as Status;
    expect(all.authorizations.map((entry) => [entry.open_id, entry.app])).toEqual([
      [UK_SELLER, 'us'],
      [US_SELLER, 'global'],
    ]);
    for (const app of APPS) {
      const response = await admin.get(`/auth/status?app=${app}`);
      expect(response.status).toBe(200);
      const body = (await response.json()) as Status;
      expect(body.authorizations.map((entry) => [entry.open_id, entry.app])).toEqual([[app === 'us' ? UK_SELLER : US_SELLER, app]]);
    }
    // Paged within one app: the cursor of the other app's first entry starts after it.
    const first = all.authorizations[0] as Status['authorizations'][number] & { authorization_id: string };
    const after = (await (await admin.get(`/auth/status?app=global&limit=1&after=${first.authorization_id}`)).json()) as Status;
    expect(after.authorizations.map((entry) => entry.open_id)).toEqual([US_SELLER]);
    for (const bad of ['app=nope', 'app=default', 'app=']) {
      expect(`${bad} ${(await errorOf(await admin.get(`/auth/status?${bad}`))).join(' ')}`).toBe(`${bad} 400 unknown_app`);
    }
    expect(await errorOf(await admin.get('/auth/status?app=us&app=global'))).toEqual([400, 'invalid_request']);
  });
});

describe("stateless callbacks on each app's redirect URL", () => {
  let t: TestApp;
  let client: HttpClient;

  beforeAll(async () => {
    t = await startTestApp({ ...TWO_APPS, AUTH_ALLOW_STATELESS_CALLBACK: 'true', AUTH_ANONYMOUS_CONSENT: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    client = new HttpClient(t.baseUrl);
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events CASCADE');
  });

  async function tokenFailures(): Promise<Record<string, unknown>[]> {
    const rows = await query<{ detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT detail FROM authorization_events WHERE type = 'callback_failed' ORDER BY id",
    );
    return rows.map((row) => row.detail);
  }

  it('connects the seller to us when a code minted for us arrives on /auth/callback/us without a state', async () => {
    const code = await mintCode(client, UK_SELLER, 'us');
    const response = await client.get(`/auth/callback/us?code=${encodeURIComponent(code)}`);
    expect(response.status).toBe(200);
    expect((await response.json()) as Record<string, unknown>).toMatchObject({ app: 'us', open_id: UK_SELLER, tenant_id: null });
    const rows = await authorizations(t);
    expect(rows.map((row) => [row.open_id, row.app_key])).toEqual([[UK_SELLER, 'sandbox-us-app-key']]);
    const issued = (await sandboxStats(client)).current_by_app.us[UK_SELLER];
    expect(await storedTokens(t.app).readTokens(rows[0].id)).toEqual({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
    });
  });

  it("fails a us code on global's redirect URL at the emulator as invalid_code, and on the plain /auth/callback (the default app)", async () => {
    for (const path of ['/auth/callback/global', '/auth/callback']) {
      const code = await mintCode(client, UK_SELLER, 'us');
      expect(`${path} ${(await errorOf(await client.get(`${path}?code=${encodeURIComponent(code)}`))).join(' ')}`).toBe(
        `${path} 400 invalid_code`,
      );
    }
    expect(await authorizations(t)).toEqual([]);
    // TikTok itself (the emulator) refused the code: global's exchange was made and answered "invalid code".
    const failures = await tokenFailures();
    expect(failures).toHaveLength(2);
    for (const failure of failures) expect(failure).toMatchObject({ step: 'token_get', transient: false });
    // The default app (global) takes its own codes on the plain URL.
    const code = await mintCode(client, US_SELLER, 'global');
    const response = await client.get(callbackUrl({ code }));
    expect(response.status).toBe(200);
    expect((await authorizations(t)).map((row) => [row.open_id, row.app_key])).toEqual([[US_SELLER, 'sandbox-global-app-key']]);
  });
});
