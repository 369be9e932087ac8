import { signRequest } from '../../src/tiktok/tiktok-signer';
import { startSandboxServer, SandboxServer } from '../../src/sandbox/standalone';

const APP = {
  id: 'default',
  appKey: 'sbx-app-key',
  appSecret: 'sbx-app-secret',
  serviceId: '7123456789012345678',
  redirectUrl: 'http://localhost:3000/auth/callback',
};
const OPTIONS = {
  apps: [APP],
  accessTokenTtlSeconds: 604800,
  refreshTokenTtlSeconds: 31536000,
};
const UK = 'sbx-open-uk-001';

interface Envelope<T = Record<string, unknown>> {
  code: number;
  message: string;
  request_id: string;
  data: T;
}

interface Grant {
  access_token: string;
  access_token_expire_in: number;
  refresh_token: string;
  refresh_token_expire_in: number;
  open_id: string;
}

let server: SandboxServer;

beforeAll(async () => {
  server = await startSandboxServer(OPTIONS);
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  await control('POST', '/reset');
});

async function control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}/_control${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function api<T = Record<string, unknown>>(path: string, params: Record<string, string>, init: RequestInit = {}) {
  const res = await fetch(`${server.url}${path}?${new URLSearchParams(params).toString()}`, init);
  return { status: res.status, body: (await res.json()) as Envelope<T> };
}

function tokenGet(code: string) {
  return api<Grant>('/api/v2/token/get', {
    app_key: APP.appKey,
    app_secret: APP.appSecret,
    auth_code: code,
    grant_type: 'authorized_code',
  });
}

function tokenRefresh(refreshToken: string) {
  return api<Grant>('/api/v2/token/refresh', {
    app_key: APP.appKey,
    app_secret: APP.appSecret,
    refresh_token: refreshToken,
    grant_type: 'refresh_token',
  });
}

function shops(accessToken: string, tamper?: (query: Record<string, string>) => void) {
  const query: Record<string, string> = { app_key: APP.appKey, timestamp: String(Math.floor(Date.now() / 1000)) };
  query.sign = signRequest(APP.appSecret, { path: '/authorization/202309/shops', query });
  tamper?.(query);
  return api<{ shops: { id: string; name: string; cipher: string; seller_type: string }[] }>('/authorization/202309/shops', query, {
    headers: { 'x-tts-access-token': accessToken, 'content-type': 'application/json' },
  });
}

async function grantFor(openId: string): Promise<Grant> {
  const { code } = await control<{ code: string }>('POST', '/codes', { open_id: openId });
  const { body } = await tokenGet(code);
  expect(body.code).toBe(0);
  return body.data;
}

describe('sandbox over HTTP', () => {
  it('exchanges a code once, with absolute expiries', async () => {
    const { code } = await control<{ code: string }>('POST', '/codes', { open_id: UK });
    const before = Math.floor(Date.now() / 1000);
    const first = await tokenGet(code);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ code: 0, data: { open_id: UK, seller_name: 'Demo Seller UK', user_type: 0 } });
    expect(first.body.data.access_token_expire_in).toBeGreaterThanOrEqual(before + 604800);
    expect(first.body.data.access_token_expire_in).toBeLessThanOrEqual(before + 604801);
    const again = await tokenGet(code);
    expect(again.body.code).toBe(36004004);
  });

  it('rotates the refresh token and rejects the old one with 36004005', async () => {
    const first = await grantFor(UK);
    const second = await tokenRefresh(first.refresh_token);
    expect(second.body.code).toBe(0);
    expect(second.body.data.refresh_token).not.toBe(first.refresh_token);
    expect(second.body.data.refresh_token_expire_in).toBe(first.refresh_token_expire_in);
    const stale = await tokenRefresh(first.refresh_token);
    expect(stale.body).toMatchObject({ code: 36004005, message: 'can not find related auth record' });

    const stats = await control<{ refreshes_by_open_id: Record<string, number>; current: Record<string, Grant> }>('GET', '/stats');
    expect(stats.refreshes_by_open_id[UK]).toBe(1);
    expect(stats.current[UK].refresh_token).toBe(second.body.data.refresh_token);
  });

  it('lists authorized shops for a correctly signed request and refuses a bad sign', async () => {
    const grant = await grantFor(UK);
    const ok = await shops(grant.access_token);
    expect(ok.body.code).toBe(0);
    expect(ok.body.data.shops.map((shop) => shop.name)).toEqual(['Demo Shop UK', 'Demo Shop UK Outlet']);
    const bad = await shops(grant.access_token, (query) => {
      query.sign = query.sign.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe(106001);
  });

  it('deauthorizes one shop with a signed DELETE', async () => {
    const grant = await grantFor(UK);
    const { body: listed } = await shops(grant.access_token);
    const cipher = listed.data.shops[1].cipher;
    const query: Record<string, string> = {
      app_key: APP.appKey,
      timestamp: String(Math.floor(Date.now() / 1000)),
      shop_cipher: cipher,
    };
    query.sign = signRequest(APP.appSecret, { path: '/authorization/202403/shops', query });
    const removed = await api('/authorization/202403/shops', query, {
      method: 'DELETE',
      headers: { 'x-tts-access-token': grant.access_token },
    });
    expect(removed.body.code).toBe(0);
    const { body: after } = await shops(grant.access_token);
    expect(after.data.shops.map((shop) => shop.id)).toEqual(['7000000000000001']);
  });

  it('stops a revoked authorization', async () => {
    const grant = await grantFor(UK);
    await control('POST', `/authorizations/${UK}/revoke`);
    expect((await shops(grant.access_token)).body.code).toBe(105001);
    expect((await tokenRefresh(grant.refresh_token)).body.code).toBe(36004005);
  });

  it('serves the consent page and redirects an approval with a working code', async () => {
    const page = await fetch(`${server.url}/open/authorize?service_id=${APP.serviceId}&state=st%3C1`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('>Approve</button>');
    expect(html).toContain('value="st&lt;1"');

    const res = await fetch(`${server.url}/open/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ service_id: APP.serviceId, state: 'st<1', open_id: UK, decision: 'approve' }),
    });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe(APP.redirectUrl);
    expect(location.searchParams.get('state')).toBe('st<1');
    expect((await tokenGet(location.searchParams.get('code') ?? '')).body.data.open_id).toBe(UK);

    const denied = await fetch(`${server.url}/open/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ service_id: APP.serviceId, state: '', open_id: UK, decision: 'deny' }),
    });
    expect(denied.headers.get('location')).toBe(`${APP.redirectUrl}?code=null&error=auth_denied`);
  });

  it('answers a wrong service id or seller with an HTML 400', async () => {
    const page = await fetch(`${server.url}/open/authorize?service_id=${APP.appKey}`);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const post = await fetch(`${server.url}/open/authorize`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ service_id: APP.serviceId, open_id: 'nobody', decision: 'approve' }),
    });
    expect(post.status).toBe(400);
  });

  it('injects faults without consuming the code', async () => {
    const { code } = await control<{ code: string }>('POST', '/codes', { open_id: UK });
    await control('POST', '/faults', { endpoint: 'token_get', type: 'rate_limit', count: 1 });
    await control('POST', '/faults', { endpoint: 'token_get', type: 'html', count: 1 });
    const limited = await tokenGet(code);
    expect([limited.status, limited.body.code]).toEqual([429, 36009002]);
    const html = await fetch(`${server.url}/api/v2/token/get?auth_code=${code}`);
    expect([html.status, html.headers.get('content-type')]).toEqual([502, 'text/html; charset=utf-8']);
    expect((await tokenGet(code)).body.code).toBe(0);
    const stats = await control<{ calls: Record<string, number> }>('GET', '/stats');
    expect(stats.calls.token_get).toBe(3);
  });

  it('refuses its test controls without its admin key', async () => {
    for (const authorization of [undefined, 'Bearer wrong', server.adminKey, `Bearer ${server.adminKey}x`]) {
      const res = await fetch(`${server.url}/_control/stats`, { headers: authorization === undefined ? {} : { authorization } });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'unauthorized' });
    }
    const res = await fetch(`${server.url}/_control/stats`, { headers: { authorization: `Bearer ${server.adminKey}` } });
    expect(res.status).toBe(200);
  });

  it('answers control API mistakes with 400 JSON, never 500', async () => {
    const res = await fetch(`${server.url}/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
      body: JSON.stringify({ endpoint: 'token_get', type: 'explode' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: expect.stringContaining('type must be one of') });
  });
});

describe('startSandboxServer close()', () => {
  it('answers a held request and leaves no server, socket or timer behind', async () => {
    const baseline = process.getActiveResourcesInfo();
    const count = (list: string[], kind: string) => list.filter((entry) => entry === kind).length;
    const local = await startSandboxServer({ ...OPTIONS, latencyMs: 5 });
    await fetch(`${local.url}/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${local.adminKey}` },
      body: JSON.stringify({ endpoint: '*', type: 'timeout', delay_ms: 120000 }),
    });
    const held = fetch(`${local.url}/api/v2/token/get`).then(
      (res) => res.status,
      () => 'closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await local.close();
    expect(await held).toBe(200);
    // libuv finishes closing the listening handle a moment after close() resolves.
    let after = process.getActiveResourcesInfo();
    for (let i = 0; i < 50 && count(after, 'TCPServerWrap') > count(baseline, 'TCPServerWrap'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      after = process.getActiveResourcesInfo();
    }
    expect(count(after, 'TCPServerWrap')).toBe(count(baseline, 'TCPServerWrap'));
    expect(count(after, 'Timeout')).toBeLessThanOrEqual(count(baseline, 'Timeout'));
  });
});
