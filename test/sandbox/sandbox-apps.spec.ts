import { signRequest } from '../../src/tiktok/tiktok-signer';
import { startSandboxServer, SandboxServer } from '../../src/sandbox/standalone';

// The emulator serving two apps, as with TIKTOK_APPS=global,us: each with its own key, secret, service id,
// redirect URL and sellers' grants.
const GLOBAL = {
  id: 'global',
  appKey: 'sbx-global-key',
  appSecret: 'sbx-global-secret',
  serviceId: '7100000000000000001',
  redirectUrl: 'http://localhost:3000/auth/callback/global',
};
const US = {
  id: 'us',
  appKey: 'sbx-us-key',
  appSecret: 'sbx-us-secret',
  serviceId: '7100000000000000002',
  redirectUrl: 'http://localhost:3000/auth/callback/us',
};
const UK = 'sbx-open-uk-001';
const SHOPS_PATH = '/authorization/202309/shops';

type Credentials = { appKey: string; appSecret: string };

interface Envelope<T = Record<string, unknown>> {
  code: number;
  message: string;
  data: T;
}

interface Grant {
  access_token: string;
  refresh_token: string;
  open_id: string;
}

let server: SandboxServer;

beforeAll(async () => {
  server = await startSandboxServer({ apps: [GLOBAL, US], accessTokenTtlSeconds: 604800, refreshTokenTtlSeconds: 31536000 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  expect((await control('POST', '/reset')).status).toBe(200);
});

function control(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${server.url}/_control${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function codeFor(app: string | undefined, openId = UK): Promise<string> {
  const response = await control('POST', '/codes', app === undefined ? { open_id: openId } : { open_id: openId, app });
  expect(response.status).toBe(200);
  return ((await response.json()) as { code: string }).code;
}

async function api<T = Record<string, unknown>>(path: string, params: Record<string, string>, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}?${new URLSearchParams(params).toString()}`, init);
  return { status: response.status, body: (await response.json()) as Envelope<T> };
}

function tokenGet(app: Credentials, code: string) {
  return api<Grant>('/api/v2/token/get', {
    app_key: app.appKey,
    app_secret: app.appSecret,
    auth_code: code,
    grant_type: 'authorized_code',
  });
}

function tokenRefresh(app: Credentials, refreshToken: string) {
  return api<Grant>('/api/v2/token/refresh', {
    app_key: app.appKey,
    app_secret: app.appSecret,
    refresh_token: refreshToken,
    grant_type: 'refresh_token',
  });
}

/** The shops call, its query signed with `app`'s key and secret. */
function shops(app: Credentials, accessToken: string) {
  const query: Record<string, string> = { app_key: app.appKey, timestamp: String(Math.floor(Date.now() / 1000)) };
  query.sign = signRequest(app.appSecret, { path: SHOPS_PATH, query });
  return api<{ shops: { id: string }[] }>(SHOPS_PATH, query, { headers: { 'x-tts-access-token': accessToken } });
}

async function grant(app: typeof GLOBAL, openId = UK): Promise<Grant> {
  const { body } = await tokenGet(app, await codeFor(app.id, openId));
  expect(body.code).toBe(0);
  return body.data;
}

describe('sandbox with two apps', () => {
  it("accepts each app's key and secret for that app only", async () => {
    for (const [app, other] of [
      [GLOBAL, US],
      [US, GLOBAL],
    ]) {
      const code = await codeFor(app.id);
      for (const mixed of [
        { appKey: app.appKey, appSecret: other.appSecret },
        { appKey: other.appKey, appSecret: app.appSecret },
        { appKey: app.appKey, appSecret: `${app.appSecret}x` },
      ]) {
        expect((await tokenGet(mixed, code)).body).toMatchObject({ code: 36009004, message: 'app_key or app_secret is invalid' });
      }
      expect((await tokenGet(app, code)).body).toMatchObject({ code: 0, data: { open_id: UK } });
    }
  });

  it("refuses a call signed with another app's secret with 106001", async () => {
    const { access_token: token } = await grant(US);
    const signedWithGlobal = await shops({ appKey: US.appKey, appSecret: GLOBAL.appSecret }, token);
    expect([signedWithGlobal.status, signedWithGlobal.body.code]).toEqual([401, 106001]);
    const ok = await shops(US, token);
    expect(ok.body.code).toBe(0);
    expect(ok.body.data.shops.map((shop) => shop.id)).toEqual(['7000000000000001', '7000000000000002']);
  });

  it("refuses one app's code, refresh token and access token for the other, even correctly signed by it", async () => {
    const code = await codeFor('us');
    expect((await tokenGet(GLOBAL, code)).body.code).toBe(36004004);
    // Refused for the global app, the code is still the us app's to use.
    const { body } = await tokenGet(US, code);
    expect(body.code).toBe(0);
    expect((await tokenRefresh(GLOBAL, body.data.refresh_token)).body.code).toBe(36004005);
    expect((await shops(GLOBAL, body.data.access_token)).body.code).toBe(105001);
    // Nothing of that touched the us app's grant.
    expect((await shops(US, body.data.access_token)).body.code).toBe(0);
    expect((await tokenRefresh(US, body.data.refresh_token)).body.code).toBe(0);
  });

  it("keeps a seller's grants to the two apps apart: revoking one leaves the other", async () => {
    const global = await grant(GLOBAL);
    const us = await grant(US);
    expect(global.access_token).not.toBe(us.access_token);
    expect((await control('POST', `/authorizations/${UK}/revoke?app=us`)).status).toBe(200);
    expect((await shops(US, us.access_token)).body.code).toBe(105001);
    expect((await tokenRefresh(US, us.refresh_token)).body.code).toBe(36004005);
    expect((await shops(GLOBAL, global.access_token)).body.code).toBe(0);
    const stats = (await (await control('GET', '/stats')).json()) as {
      current_by_app: Record<string, Record<string, { access_token: string }>>;
    };
    expect(Object.keys(stats.current_by_app).sort()).toEqual(['global', 'us']);
    expect(stats.current_by_app.global[UK].access_token).toBe(global.access_token);
  });

  it("names the app on its consent page and approves with that app's redirect URL and a code only it can use", async () => {
    for (const app of [GLOBAL, US]) {
      const page = await fetch(`${server.url}/open/authorize?service_id=${app.serviceId}&state=s`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(`<strong id="app-id">${app.id}</strong>`);
      expect(html).toContain(`<strong id="service-id">${app.serviceId}</strong>`);
    }
    const approved = await fetch(`${server.url}/open/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ service_id: US.serviceId, state: 's', open_id: UK, decision: 'approve' }),
    });
    expect(approved.status).toBe(302);
    const location = new URL(approved.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(US.redirectUrl);
    const code = location.searchParams.get('code') ?? '';
    expect((await tokenGet(GLOBAL, code)).body.code).toBe(36004004);
    expect((await tokenGet(US, code)).body.code).toBe(0);
  });

  it("refuses an app's secret once reset in Partner Center, until /_control/reset, and leaves the other app alone", async () => {
    const us = await grant(US);
    const global = await grant(GLOBAL);
    const reset = await control('POST', '/apps/us/reset-secret');
    expect(reset.status).toBe(200);
    // The new secret is TikTok's to know: the answer does not carry it.
    expect(await reset.json()).toEqual({ app: 'us', app_secret_reset: true });

    expect((await tokenRefresh(US, us.refresh_token)).body.code).toBe(36009004);
    expect((await tokenGet(US, await codeFor('us'))).body.code).toBe(36009004);
    const signed = await shops(US, us.access_token);
    expect([signed.status, signed.body.code]).toEqual([401, 106001]);
    expect((await shops(GLOBAL, global.access_token)).body.code).toBe(0);
    expect((await tokenRefresh(GLOBAL, global.refresh_token)).body.code).toBe(0);

    expect((await control('POST', '/reset')).status).toBe(200);
    const again = await grant(US);
    expect((await shops(US, again.access_token)).body.code).toBe(0);
  });

  it('answers a test control naming an unknown app with 404, and mints for the first app when it names none', async () => {
    expect((await control('POST', '/apps/eu/reset-secret')).status).toBe(404);
    expect((await control('POST', '/codes', { open_id: UK, app: 'eu' })).status).toBe(404);
    const code = await codeFor(undefined);
    expect((await tokenGet(US, code)).body.code).toBe(36004004);
    expect((await tokenGet(GLOBAL, code)).body.code).toBe(0);
  });
});
