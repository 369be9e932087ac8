import { query } from '../support/database';
import { beginConsent, callbackUrl, mintCode, UK_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

async function countAuthorizations(t: TestApp): Promise<number> {
  const [row] = await query<{ n: number }>(t.db.url, 'SELECT count(*)::int AS n FROM seller_authorizations');
  return row.n;
}

async function expectError(response: Response, status: number, error: string): Promise<void> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toEqual({ statusCode: status, error, message: expect.any(String) });
}

describe('callback state and denial', () => {
  let t: TestApp;
  let client: HttpClient;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    client = new HttpClient(t.baseUrl);
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events');
  });

  it('accepts a state once: a replay is invalid_state', async () => {
    const { state } = await beginConsent(client);
    const first = await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER), state }));
    expect(first.status).toBe(200);
    const replay = await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER), state }));
    await expectError(replay, 400, 'invalid_state');
  });

  it('lets exactly one of two concurrent callbacks with the same state win', async () => {
    for (let round = 0; round < 5; round += 1) {
      const { state } = await beginConsent(client);
      const codes = [await mintCode(client, UK_SELLER), await mintCode(client, UK_SELLER)];
      const responses = await Promise.all(codes.map((code) => client.get(callbackUrl({ code, state }))));
      expect(responses.map((response) => response.status).sort()).toEqual([200, 400]);
    }
  });

  it('rejects an expired state', async () => {
    const { state } = await beginConsent(client);
    await query(t.db.url, "UPDATE oauth_states SET expires_at = now() - interval '1 second'");
    await expectError(await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER), state })), 400, 'invalid_state');
    expect(await countAuthorizations(t)).toBe(0);
  });

  it("rejects an unknown, a missing, a cookie-less and another browser's state", async () => {
    const code = await mintCode(client, UK_SELLER);
    await beginConsent(client);
    await expectError(await client.get(callbackUrl({ code, state: 'x'.repeat(43) })), 400, 'invalid_state');
    await expectError(await client.get(callbackUrl({ code })), 400, 'invalid_state');

    const { state } = await beginConsent(client);
    const stranger = new HttpClient(t.baseUrl);
    await expectError(await stranger.get(callbackUrl({ code, state })), 400, 'invalid_state');
    await beginConsent(stranger);
    const { state: other } = await beginConsent(client);
    await expectError(await stranger.get(callbackUrl({ code, state: other })), 400, 'invalid_state');
    // A state tried by the wrong browser is burnt even for its own browser.
    await expectError(await client.get(callbackUrl({ code, state: other })), 400, 'invalid_state');
    expect(await countAuthorizations(t)).toBe(0);
  });

  it.each(['auth_denied', 'access_denied'])('answers a denial (%s) with access_denied and stores nothing', async (error) => {
    const { state } = await beginConsent(client);
    await expectError(await client.get(callbackUrl({ code: 'null', error, state })), 400, 'access_denied');
    expect(await countAuthorizations(t)).toBe(0);
    // The state of a refused consent cannot be reused.
    await expectError(await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER), state })), 400, 'invalid_state');
    const events = await query<{ type: string }>(t.db.url, 'SELECT type FROM authorization_events');
    expect(events.map((event) => event.type)).toContain('callback_failed');
  });

  it('answers any other error TikTok reports with 400 consent_failed, burns the state and stores nothing', async () => {
    const { state } = await beginConsent(client);
    // Anyone can put error= in the URL: that must never be a 5xx (a fuzzer found the 502 this used to be).
    await expectError(await client.get(callbackUrl({ error: 'server_error', state })), 400, 'consent_failed');
    expect(await countAuthorizations(t)).toBe(0);
    await expectError(await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER), state })), 400, 'invalid_state');
    await expectError(await client.get(callbackUrl({ error: '6caace64-2d7f-6584-a223-c53ade0a9f42' })), 400, 'consent_failed');
  });

  it('sends a browser on to the result page, which shows the error with its status and a fitting heading', async () => {
    const response = await client.get(callbackUrl({ code: 'abc', state: 'nope' }), 'text/html');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/auth/result');
    for (let load = 0; load < 2; load += 1) {
      const result = await client.get('/auth/result', 'text/html');
      expect(result.status).toBe(400);
      expect(result.headers.get('content-type')).toContain('text/html');
      const page = await result.text();
      expect(page).toContain('data-error="invalid_state"');
      expect(page).toContain('This authorization link has expired or was already used');
      expect(page).not.toContain('Authorization did not complete');
    }
  });

  it('refuses malformed callbacks with 400 invalid_request, never a 500', async () => {
    const { state } = await beginConsent(client);
    await expectError(await client.get(`/auth/callback?state=${state}&state=${state}&code=a`), 400, 'invalid_request');
    await expectError(await client.get(`/auth/callback?code=${'a'.repeat(5000)}&state=${state}`), 400, 'invalid_request');
    await expectError(await client.get(`/auth/callback?error=%3Cscript%3E&state=${state}`), 400, 'invalid_request');
    const { state: fresh } = await beginConsent(client);
    await expectError(await client.get(callbackUrl({ state: fresh })), 400, 'invalid_request');
  });

  it('accepts a callback without state only when AUTH_ALLOW_STATELESS_CALLBACK is on', async () => {
    const stateless = await startTestApp({ AUTH_ALLOW_STATELESS_CALLBACK: 'true' });
    try {
      const browser = new HttpClient(stateless.baseUrl);
      const code = await mintCode(browser, UK_SELLER);
      const response = await browser.get(callbackUrl({ code, app_key: 'whatever', shop_region: 'GB', locale: 'en' }));
      expect(response.status).toBe(200);
      // A state that is present must still be valid.
      await expectError(
        await browser.get(callbackUrl({ code: await mintCode(browser, UK_SELLER), state: 'forged' })),
        400,
        'invalid_state',
      );
    } finally {
      await stateless.close();
    }
  });

  it('answers unknown routes with JSON 404 not_found, and a method the route does not take with 405', async () => {
    await expectError(await client.get('/nope'), 404, 'not_found');
    await expectError(await client.request('/auth/callback', { method: 'DELETE' }), 405, 'method_not_allowed');
  });

  it('routes one spelling only: another case is not a route, so an edge rule on /admin or /metrics holds', async () => {
    const admin = { authorization: `Bearer ${t.adminKey}` };
    expect((await client.request('/admin/shops', { headers: admin })).status).toBe(200);
    for (const path of ['/ADMIN/shops', '/Admin/Shops', '/admin/SHOPS', '/METRICS', '/V1/shops', '/Auth/Status']) {
      const response = await client.request(path, { headers: admin });
      expect(`${path} ${response.status}`).toBe(`${path} 404`);
      await expectError(response, 404, 'not_found');
    }
  });

  it('refuses unreadable and oversized bodies with 4xx codes', async () => {
    const post = (body: string) =>
      client.request('/auth/callback', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await expectError(await post('{not json'), 400, 'invalid_json');
    await expectError(await post(JSON.stringify({ pad: 'x'.repeat(200_000) })), 413, 'payload_too_large');
  });
});
