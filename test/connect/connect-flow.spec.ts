import { beginConsent, callbackUrl, clearFaults, injectFault, mintCode, UK_SELLER, US_SELLER } from '../support/consent';
import { beginSession, browser, createSession, createTenant, redirectQuery, sessionConsent } from '../support/connect';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

const PRODUCT = 'http://127.0.0.1:9911';

async function rowCounts(t: TestApp): Promise<Record<string, number>> {
  const [row] = await query<Record<string, number>>(
    t.db.url,
    `SELECT (SELECT count(*)::int FROM seller_authorizations) AS authorizations, (SELECT count(*)::int FROM shops) AS shops`,
  );
  return row;
}

async function sessionRow(t: TestApp, id: string): Promise<{ status: string; authorization_id: string | null }> {
  const [row] = await query<{ status: string; authorization_id: string | null }>(
    t.db.url,
    'SELECT status, authorization_id FROM connect_sessions WHERE id = $1',
    [id],
  );
  return row;
}

describe('connect links: GET /connect/{token}', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CONNECT_RETURN_ORIGINS: PRODUCT });
    await createTenant(t, 'merchant-a');
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events, connect_sessions CASCADE');
  });

  it('starts the consent as /auth/tiktok does, with the state bound to this browser and to the session', async () => {
    const session = await createSession(t, 'merchant-a');
    const client = browser(t);
    const response = await client.get(session.path, 'text/html');
    expect(response.status).toBe(302);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const location = new URL(response.headers.get('location') ?? '');
    const anonymous = (await beginConsent(new HttpClient(t.baseUrl))).location;
    expect(`${location.origin}${location.pathname}`).toBe(`${anonymous.origin}${anonymous.pathname}`);
    expect(location.searchParams.get('service_id')).toBe(t.config.tiktok.apps[0].serviceId);
    const state = location.searchParams.get('state') ?? '';
    expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.toString()).not.toContain(session.token);
    expect(client.cookie('tts_browser')).toBeDefined();
    const states = await query<{ connect_session_id: string | null }>(
      t.db.url,
      'SELECT connect_session_id FROM oauth_states ORDER BY created_at',
    );
    expect(states.map((row) => row.connect_session_id).sort()).toEqual([null, session.id].sort());
    // Opening the link starts a consent; it does not use the session up.
    expect((await client.get(session.path, 'text/html')).status).toBe(302);
    expect((await sessionRow(t, session.id)).status).toBe('pending');
  });

  /** Each case: what turns a valid session's link into a dead one. */
  const invalid: [string, (session: { id: string; token: string }) => Promise<string>][] = [
    ['unknown', async () => Promise.resolve(`/connect/${'A'.repeat(43)}`)],
    ['malformed (too short)', async () => Promise.resolve('/connect/abc')],
    ['malformed (too long)', async (session) => Promise.resolve(`/connect/${session.token}x`)],
    ['malformed (a character outside base64url)', async (session) => Promise.resolve(`/connect/${session.token.slice(0, 42)}.`)],
    [
      'expired',
      async (session) => {
        await query(t.db.url, "UPDATE connect_sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [session.id]);
        return `/connect/${session.token}`;
      },
    ],
    [
      'cancelled',
      async (session) => {
        await query(t.db.url, "UPDATE connect_sessions SET status = 'cancelled', ended_at = now() WHERE id = $1", [session.id]);
        return `/connect/${session.token}`;
      },
    ],
    [
      'completed',
      async (session) => {
        const response = await sessionConsent(browser(t), { path: `/connect/${session.token}` }, UK_SELLER);
        expect(redirectQuery(response).status).toBe('success');
        return `/connect/${session.token}`;
      },
    ],
  ];

  it.each(invalid)(
    'answers a link that is %s with 400 invalid_connect_session, JSON or an HTML page, never a redirect',
    async (_label, kill) => {
      const session = await createSession(t, 'merchant-a', `${PRODUCT}/back`);
      const path = await kill(session);
      const statesBefore = await query(t.db.url, 'SELECT state_hash FROM oauth_states');

      const json = await browser(t).get(path, 'application/json');
      expect(json.status).toBe(400);
      expect(json.headers.get('location')).toBeNull();
      expect(json.headers.get('cache-control')).toBe('no-store');
      expect(json.headers.get('referrer-policy')).toBe('no-referrer');
      expect(await json.json()).toMatchObject({ statusCode: 400, error: 'invalid_connect_session' });

      const page = await browser(t).get(path, 'text/html');
      expect(page.status).toBe(400);
      expect(page.headers.get('location')).toBeNull();
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain('This connect link has expired or was already used');
      expect(html).toContain('data-error="invalid_connect_session"');
      expect(html).not.toContain(session.token);
      // No consent was started.
      expect(await query(t.db.url, 'SELECT state_hash FROM oauth_states')).toEqual(statesBefore);
    },
  );
});

describe("the callback of a connect session's consent", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CONNECT_RETURN_ORIGINS: PRODUCT });
    await createTenant(t, 'merchant-a');
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events, connect_sessions CASCADE');
    await clearFaults(browser(t));
  });

  it('stores the seller for the tenant, completes the session and sends the browser to return_url, its query kept', async () => {
    const session = await createSession(t, 'merchant-a', `${PRODUCT}/settings/tiktok?tab=channels&status=old#top`);
    const response = await sessionConsent(browser(t), session, UK_SELLER, 'text/html');
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}${location.hash}`).toBe(`${PRODUCT}/settings/tiktok#top`);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      tab: 'channels',
      connect_session_id: session.id,
      status: 'success',
      open_id: UK_SELLER,
      shop_ids: '7000000000000001,7000000000000002',
    });
    const [authorization] = await query<{ id: string; tenant_id: string }>(t.db.url, 'SELECT id, tenant_id FROM seller_authorizations');
    expect(authorization.tenant_id).toBe('merchant-a');
    expect(await sessionRow(t, session.id)).toEqual({ status: 'completed', authorization_id: authorization.id });
    // JSON clients are sent there too: the return_url is the product's contract.
    const second = await createSession(t, 'merchant-a', `${PRODUCT}/back`);
    const json = await sessionConsent(browser(t), second, US_SELLER, 'application/json');
    expect(json.status).toBe(302);
    expect(redirectQuery(json)).toMatchObject({ status: 'success', open_id: US_SELLER, shop_ids: '7000000000000101' });
  });

  it("answers today's JSON with tenant_id without a return_url, and sends a browser to the result page", async () => {
    const session = await createSession(t, 'merchant-a');
    const response = await sessionConsent(browser(t), session, UK_SELLER);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      app: 'default',
      open_id: UK_SELLER,
      seller_name: 'Demo Seller UK',
      tenant_id: 'merchant-a',
      shops: [expect.objectContaining({ shop_id: '7000000000000001' }), expect.objectContaining({ shop_id: '7000000000000002' })],
      conflicting_shop_ids: [],
    });
    const page = browser(t);
    const redirect = await sessionConsent(page, await createSession(t, 'merchant-a'), US_SELLER, 'text/html');
    expect([redirect.status, redirect.headers.get('location')]).toEqual([303, '/auth/result']);
    const result = await page.get('/auth/result', 'text/html');
    expect(result.status).toBe(200);
    expect(await result.text()).toContain('Demo Shop US');
  });

  it('answers an anonymous consent with tenant_id null', async () => {
    const client = browser(t);
    const { state } = await beginConsent(client);
    const response = await client.get(callbackUrl({ state, code: await mintCode(client, UK_SELLER) }));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ open_id: UK_SELLER, tenant_id: null, conflicting_shop_ids: [] });
    const [row] = await query<{ tenant_id: string | null }>(t.db.url, 'SELECT tenant_id FROM seller_authorizations');
    expect(row.tenant_id).toBeNull();
  });

  it('sends a denial back as status=error&error=access_denied, stores nothing and leaves the session usable', async () => {
    const session = await createSession(t, 'merchant-a', `${PRODUCT}/back?x=1`);
    const client = browser(t);
    const state = await beginSession(client, session);
    const response = await client.get(callbackUrl({ state, error: 'auth_denied' }), 'text/html');
    expect(response.status).toBe(302);
    expect(redirectQuery(response)).toEqual({ x: '1', connect_session_id: session.id, status: 'error', error: 'access_denied' });
    expect(await rowCounts(t)).toEqual({ authorizations: 0, shops: 0 });
    expect((await sessionRow(t, session.id)).status).toBe('pending');
    // The merchant may try again with the same link.
    expect((await sessionConsent(client, session, UK_SELLER, 'text/html')).status).toBe(302);
  });

  it('sends TikTok failures back as error=tiktok_error and error=invalid_code, storing nothing', async () => {
    const session = await createSession(t, 'merchant-a', `${PRODUCT}/back`);
    const client = browser(t);
    let state = await beginSession(client, session);
    const code = await mintCode(client, UK_SELLER);
    await injectFault(client, { endpoint: 'shops', type: 'http_503' });
    let response = await client.get(callbackUrl({ state, code }), 'text/html');
    expect([response.status, redirectQuery(response).error]).toEqual([302, 'tiktok_error']);
    await clearFaults(client);
    state = await beginSession(client, session);
    response = await client.get(callbackUrl({ state, code: 'not-a-real-code' }), 'text/html');
    expect([response.status, redirectQuery(response)]).toEqual([
      302,
      { connect_session_id: session.id, status: 'error', error: 'invalid_code' },
    ]);
    state = await beginSession(client, session);
    response = await client.get(callbackUrl({ state }), 'text/html');
    expect([response.status, redirectQuery(response).error]).toEqual([302, 'invalid_request']);
    expect(await rowCounts(t)).toEqual({ authorizations: 0, shops: 0 });
    expect((await sessionRow(t, session.id)).status).toBe('pending');
  });

  it('never redirects when the state is missing, unknown, expired, spent or from another browser', async () => {
    const session = await createSession(t, 'merchant-a', `${PRODUCT}/back`);
    const client = browser(t);
    const state = await beginSession(client, session);
    const code = await mintCode(client, UK_SELLER);
    const cases: [string, HttpClient, Record<string, string>][] = [
      ['missing', client, { code }],
      ['unknown', client, { code, state: 'x'.repeat(43) }],
      ['another browser', browser(t), { code, state }],
      // The other browser burnt it: the right browser gets no second chance.
      ['spent', client, { code, state }],
    ];
    for (const [label, who, params] of cases) {
      for (const accept of ['application/json', 'text/html']) {
        const response = await who.get(callbackUrl(params), accept);
        expect({ label, accept, location: response.headers.get('location'), status: response.status }).toEqual({
          label,
          accept,
          location: accept === 'text/html' ? '/auth/result' : null,
          status: accept === 'text/html' ? 303 : 400,
        });
      }
    }
    const expired = await beginSession(client, session);
    await query(t.db.url, "UPDATE oauth_states SET expires_at = now() - interval '1 second'");
    const late = await client.get(callbackUrl({ code, state: expired }), 'text/html');
    expect([late.status, late.headers.get('location')]).toEqual([303, '/auth/result']);
    // A denial with a state another browser holds proves nothing either.
    const denied = await browser(t).get(callbackUrl({ state: await beginSession(client, session), error: 'auth_denied' }), 'text/html');
    expect([denied.status, denied.headers.get('location')]).toEqual([303, '/auth/result']);
    expect(await rowCounts(t)).toEqual({ authorizations: 0, shops: 0 });
  });

  it('lets one consent complete a session: a second consent started from it stores nothing and gets invalid_connect_session', async () => {
    const session = await createSession(t, 'merchant-a', `${PRODUCT}/back`);
    const first = browser(t);
    const second = browser(t);
    const firstState = await beginSession(first, session);
    const secondState = await beginSession(second, session);
    const done = await first.get(callbackUrl({ state: firstState, code: await mintCode(first, UK_SELLER) }), 'text/html');
    expect(redirectQuery(done).status).toBe('success');
    const late = await second.get(callbackUrl({ state: secondState, code: await mintCode(second, US_SELLER) }), 'text/html');
    expect([late.status, redirectQuery(late)]).toEqual([
      302,
      { connect_session_id: session.id, status: 'error', error: 'invalid_connect_session' },
    ]);
    const sellers = await query<{ open_id: string }>(t.db.url, 'SELECT open_id FROM seller_authorizations');
    expect(sellers).toEqual([{ open_id: UK_SELLER }]);
  });

  it('stores nothing for a consent whose session was cancelled meanwhile', async () => {
    const session = await createSession(t, 'merchant-a');
    const client = browser(t);
    const state = await beginSession(client, session);
    await query(t.db.url, "UPDATE connect_sessions SET status = 'cancelled', ended_at = now() WHERE id = $1", [session.id]);
    const response = await client.get(callbackUrl({ state, code: await mintCode(client, UK_SELLER) }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_connect_session' });
    expect(await rowCounts(t)).toEqual({ authorizations: 0, shops: 0 });
  });

  it('completes a consent started before the session expired (the state has its own, shorter life)', async () => {
    const session = await createSession(t, 'merchant-a', `${PRODUCT}/back`);
    const client = browser(t);
    const state = await beginSession(client, session);
    await query(t.db.url, "UPDATE connect_sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [session.id]);
    const response = await client.get(callbackUrl({ state, code: await mintCode(client, UK_SELLER) }), 'text/html');
    expect(redirectQuery(response).status).toBe('success');
  });

  it('refuses the consent if the tenant went away (its sessions and their states go with it)', async () => {
    await createTenant(t, 'leaving');
    const session = await createSession(t, 'leaving', `${PRODUCT}/back`);
    const client = browser(t);
    const state = await beginSession(client, session);
    await query(t.db.url, "DELETE FROM tenants WHERE tenant_id = 'leaving'");
    const response = await client.get(callbackUrl({ state, code: await mintCode(client, UK_SELLER) }), 'text/html');
    expect([response.status, response.headers.get('location')]).toEqual([303, '/auth/result']);
    expect(await rowCounts(t)).toEqual({ authorizations: 0, shops: 0 });
  });
});
