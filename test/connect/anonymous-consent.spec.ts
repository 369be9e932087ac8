import { UK_SELLER } from '../support/consent';
import { browser, createSession, createTenant, sessionConsent } from '../support/connect';
import { query } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

describe('AUTH_ANONYMOUS_CONSENT=false', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ AUTH_ANONYMOUS_CONSENT: 'false' });
    await createTenant(t, 'merchant-a');
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers /auth/tiktok with the standard 404 not_found, as JSON and as a page, and starts no consent', async () => {
    const json = await browser(t).get('/auth/tiktok', 'application/json');
    expect(json.status).toBe(404);
    expect(json.headers.get('location')).toBeNull();
    expect(json.headers.get('allow')).toBeNull();
    const missing = await browser(t).get('/auth/no-such-route', 'application/json');
    expect(await json.json()).toEqual({ ...((await missing.json()) as object), message: 'no route for GET /auth/tiktok' });
    const page = await browser(t).get('/auth/tiktok', 'text/html');
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('Page not found');
    expect(await query(t.db.url, 'SELECT 1 FROM oauth_states')).toEqual([]);
  });

  it('says on the home page that consent starts from a connect link, and still offers the sandbox demo link', async () => {
    const page = await (await browser(t).get('/', 'text/html')).text();
    expect(page).toContain('id="connect-link-note"');
    expect(page).not.toContain('href="/auth/tiktok"');
    expect(page).toContain('href="/auth/connect-demo"');
  });

  it('does not offer /auth/tiktok on the error pages of a failed consent either', async () => {
    const page = await (await browser(t).get('/auth/callback?state=unknown&code=x', 'application/json')).json();
    expect(page).toMatchObject({ error: 'invalid_state' });
    const client = browser(t);
    expect((await client.get('/auth/callback?state=unknown&code=x', 'text/html')).status).toBe(303);
    const result = await (await client.get('/auth/result', 'text/html')).text();
    expect(result).toContain('data-error="invalid_state"');
    expect(result).not.toContain('href="/auth/tiktok"');
    expect(result).toContain('connect link');
  });

  it('still connects sellers through connect links', async () => {
    const response = await sessionConsent(browser(t), await createSession(t, 'merchant-a'), UK_SELLER);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ open_id: UK_SELLER, tenant_id: 'merchant-a' });
  });
});

describe('AUTH_ANONYMOUS_CONSENT', () => {
  it('is on by default outside production, and /auth/tiktok works as before', async () => {
    const t = await startTestApp();
    try {
      expect(t.config.tenancy.anonymousConsent).toBe(true);
      expect((await browser(t).get('/auth/tiktok', 'text/html')).status).toBe(302);
      const page = await (await browser(t).get('/', 'text/html')).text();
      expect(page).toContain('href="/auth/tiktok"');
      expect(page).not.toContain('id="connect-link-note"');
    } finally {
      await t.close();
    }
  });

  it('can be turned on in production', async () => {
    const t = await startTestApp({
      NODE_ENV: 'production',
      AUTH_ANONYMOUS_CONSENT: 'true',
      TIKTOK_APP_KEY: 'real-app-key',
      TIKTOK_APP_SECRET: 'real-app-secret',
      TIKTOK_SERVICE_ID: '7123456789',
      TIKTOK_AUTH_BASE_URL: 'http://127.0.0.1:9',
      TIKTOK_API_BASE_URL: 'http://127.0.0.1:9',
    });
    try {
      expect((await browser(t).get('/auth/tiktok', 'text/html')).status).toBe(302);
      // No sandbox in production: no demo link, and its route answers 404.
      const page = await (await browser(t).get('/', 'text/html')).text();
      expect(page).toContain('href="/auth/tiktok"');
      expect(page).not.toContain('connect-demo');
      const demo = await browser(t).get('/auth/connect-demo', 'application/json');
      expect([demo.status, ((await demo.json()) as { error: string }).error]).toEqual([404, 'not_found']);
    } finally {
      await t.close();
    }
  });
});

describe('the sandbox demo connect link', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates the demo tenant on demand and a fresh session of it on every click, then follows it', async () => {
    const first = await browser(t).get('/auth/connect-demo', 'text/html');
    expect(first.status).toBe(302);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const link = new URL(first.headers.get('location') ?? '');
    expect(link.pathname).toMatch(/^\/connect\/[A-Za-z0-9_-]{43}$/);
    const second = new URL((await browser(t).get('/auth/connect-demo', 'text/html')).headers.get('location') ?? '');
    expect(second.pathname).not.toBe(link.pathname);
    const tenants = await query<{ tenant_id: string }>(t.db.url, 'SELECT tenant_id FROM tenants');
    expect(tenants).toEqual([{ tenant_id: 'demo' }]);
    const sessions = await query<{ tenant_id: string; return_url: string | null; created_by_key_id: string }>(
      t.db.url,
      'SELECT tenant_id, return_url, created_by_key_id FROM connect_sessions',
    );
    expect(sessions).toEqual([
      { tenant_id: 'demo', return_url: null, created_by_key_id: 'sandbox-demo' },
      { tenant_id: 'demo', return_url: null, created_by_key_id: 'sandbox-demo' },
    ]);
    const response = await sessionConsent(browser(t), { path: link.pathname }, UK_SELLER);
    expect(await response.json()).toMatchObject({ open_id: UK_SELLER, tenant_id: 'demo' });
  });
});
