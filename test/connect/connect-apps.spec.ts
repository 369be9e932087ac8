import { createHash } from 'node:crypto';
import { callbackUrl, mintCode, TWO_APPS, UK_SELLER } from '../support/consent';
import { beginSession, browser, createTenant, postSession, redirectQuery } from '../support/connect';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

const PRODUCT = 'https://app.example.com';

interface SessionAnswer {
  id: string;
  url: string;
  expires_at: string;
  app: string;
}

async function errorOf(response: Response): Promise<[number, string]> {
  return [response.status, ((await response.json()) as { error: string }).error];
}

function pathOf(url: string): string {
  return new URL(url).pathname;
}

async function storedAppKey(t: TestApp, id: string): Promise<string | null> {
  const [row] = await query<{ app_key: string | null }>(t.db.url, 'SELECT app_key FROM connect_sessions WHERE id = $1', [id]);
  return row.app_key;
}

async function sessionOf(t: TestApp, body: Record<string, unknown>): Promise<SessionAnswer> {
  const response = await postSession(t, body);
  if (response.status !== 201) throw new Error(`creating a connect session failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as SessionAnswer;
}

describe('connect sessions with two apps (global, us)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ...TWO_APPS, CONNECT_RETURN_ORIGINS: PRODUCT });
    await createTenant(t, 'merchant-a');
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events CASCADE');
  });

  it('stores and answers the app the body names, the first listed when it names none, and refuses an unknown one', async () => {
    const us = await sessionOf(t, { tenant_id: 'merchant-a', app: 'us' });
    expect(us.app).toBe('us');
    expect(await storedAppKey(t, us.id)).toBe('sandbox-us-app-key');
    const standard = await sessionOf(t, { tenant_id: 'merchant-a' });
    expect(standard.app).toBe('global');
    expect(await storedAppKey(t, standard.id)).toBe('sandbox-global-app-key');

    const [before] = await query<{ n: number }>(t.db.url, 'SELECT count(*)::int AS n FROM connect_sessions');
    for (const app of ['nope', 'US', '', 'default']) {
      expect(`${app} ${(await errorOf(await postSession(t, { tenant_id: 'merchant-a', app }))).join(' ')}`).toBe(`${app} 400 unknown_app`);
    }
    expect(await errorOf(await postSession(t, { tenant_id: 'merchant-a', app: 5 }))).toEqual([400, 'invalid_request']);
    // An unknown app is refused before the tenant is looked at.
    expect(await errorOf(await postSession(t, { tenant_id: 'nobody', app: 'nope' }))).toEqual([400, 'unknown_app']);
    const [after] = await query<{ n: number }>(t.db.url, 'SELECT count(*)::int AS n FROM connect_sessions');
    expect(after.n).toBe(before.n);
  });

  it("sends a us session's link to us's consent page, and its consent completes with us for the tenant", async () => {
    const session = await sessionOf(t, { tenant_id: 'merchant-a', app: 'us', return_url: `${PRODUCT}/tiktok` });
    const client = browser(t);
    const start = await client.get(pathOf(session.url), 'text/html');
    expect(start.status).toBe(302);
    const location = new URL(start.headers.get('location') ?? '');
    expect(location.searchParams.get('service_id')).toBe('sandbox-us-service-id');
    const page = await (await client.get(location.toString(), 'text/html')).text();
    expect(page).toContain('<strong id="app-id">us</strong>');
    const approve = await client.postForm(
      `${location.origin}${location.pathname}`,
      { service_id: 'sandbox-us-service-id', state: location.searchParams.get('state') ?? '', open_id: UK_SELLER, decision: 'approve' },
      'text/html',
    );
    const callback = new URL(approve.headers.get('location') ?? '');
    expect(callback.pathname).toBe('/auth/callback/us');
    const back = await client.get(`${callback.pathname}${callback.search}`, 'text/html');
    expect(back.status).toBe(302);
    expect(redirectQuery(back)).toMatchObject({ connect_session_id: session.id, status: 'success', open_id: UK_SELLER });

    const rows = await query<{ app_key: string; tenant_id: string }>(
      t.db.url,
      'SELECT app_key, tenant_id FROM seller_authorizations WHERE open_id = $1',
      [UK_SELLER],
    );
    expect(rows).toEqual([{ app_key: 'sandbox-us-app-key', tenant_id: 'merchant-a' }]);
    const [stored] = await query<{ status: string }>(t.db.url, 'SELECT status FROM connect_sessions WHERE id = $1', [session.id]);
    expect(stored.status).toBe('completed');
  });

  it("exchanges a session consent's code with the state's app on the plain /auth/callback, and refuses it on the other app's URL", async () => {
    const us = await sessionOf(t, { tenant_id: 'merchant-a', app: 'us' });
    const client = browser(t);
    const state = await beginSession(client, { path: pathOf(us.url) });
    const answer = await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER, 'us'), state }), 'application/json');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ app: 'us', open_id: UK_SELLER, tenant_id: 'merchant-a' });

    const withReturn = await sessionOf(t, { tenant_id: 'merchant-a', app: 'us', return_url: `${PRODUCT}/tiktok` });
    const other = await beginSession(client, { path: pathOf(withReturn.url) });
    const code = await mintCode(client, UK_SELLER, 'us');
    const refused = await client.get(`/auth/callback/global?${new URLSearchParams({ code, state: other })}`, 'text/html');
    expect(refused.status).toBe(302);
    expect(redirectQuery(refused)).toMatchObject({ connect_session_id: withReturn.id, status: 'error', error: 'invalid_state' });
    const [stored] = await query<{ status: string }>(t.db.url, 'SELECT status FROM connect_sessions WHERE id = $1', [withReturn.id]);
    expect(stored.status).toBe('pending');
  });

  it("makes the sandbox's demo link for the app ?app= names, and refuses an unknown one", async () => {
    const client = new HttpClient(t.baseUrl);
    for (const app of ['us', 'global']) {
      const demo = await client.get(`/auth/connect-demo?app=${app}`, 'text/html');
      expect(demo.status).toBe(302);
      const link = new URL(demo.headers.get('location') ?? '');
      const token = link.pathname.split('/').pop() ?? '';
      const [row] = await query<{ app_key: string }>(t.db.url, 'SELECT app_key FROM connect_sessions WHERE token_hash = $1', [
        createHash('sha256').update(token, 'utf8').digest('hex'),
      ]);
      expect(row.app_key).toBe(`sandbox-${app}-app-key`);
      const start = await client.get(link.pathname, 'text/html');
      expect(new URL(start.headers.get('location') ?? '').searchParams.get('service_id')).toBe(`sandbox-${app}-service-id`);
    }
    const plain = await client.get('/auth/connect-demo', 'text/html');
    expect(plain.status).toBe(302);
    const start = await client.get(new URL(plain.headers.get('location') ?? '').pathname, 'text/html');
    expect(new URL(start.headers.get('location') ?? '').searchParams.get('service_id')).toBe('sandbox-global-service-id');
    expect(await errorOf(await client.get('/auth/connect-demo?app=nope'))).toEqual([400, 'unknown_app']);
  });
});

describe('connect sessions with one app configured the single-app way', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await createTenant(t, 'merchant-a');
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers app default, takes it when named, and refuses any other', async () => {
    for (const body of [{ tenant_id: 'merchant-a' }, { tenant_id: 'merchant-a', app: 'default' }]) {
      const session = await sessionOf(t, body);
      expect(session.app).toBe('default');
      expect(await storedAppKey(t, session.id)).toBe('sandbox-app-key');
    }
    expect(await errorOf(await postSession(t, { tenant_id: 'merchant-a', app: 'us' }))).toEqual([400, 'unknown_app']);
  });

  it('still starts the consent of a session stored without an app (before several apps) with the default app', async () => {
    const session = await sessionOf(t, { tenant_id: 'merchant-a' });
    await query(t.db.url, 'UPDATE connect_sessions SET app_key = NULL WHERE id = $1', [session.id]);
    const client = browser(t);
    const state = await beginSession(client, { path: pathOf(session.url) });
    const answer = await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER), state }), 'application/json');
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ app: 'default', tenant_id: 'merchant-a' });
  });
});

describe('the home page of two apps without anonymous consent', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ...TWO_APPS, AUTH_ANONYMOUS_CONSENT: 'false' });
  });
  afterAll(async () => {
    await t.close();
  });

  it("offers each app's demo connect link as a button, and no authorize button", async () => {
    const client = new HttpClient(t.baseUrl);
    const page = await (await client.get('/', 'text/html')).text();
    for (const app of ['global', 'us']) {
      expect(page).toContain(`<a class="button" id="demo-connect-${app}" href="/auth/connect-demo?app=${app}">`);
      expect(page).not.toContain(`/auth/tiktok?app=${app}`);
    }
    expect(page).toContain('id="connect-link-note"');
    expect(await errorOf(await client.get('/auth/tiktok?app=us'))).toEqual([404, 'not_found']);
  });
});
