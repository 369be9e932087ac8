import { createHash } from 'node:crypto';
import { createTenant, createSession, postSession, tenantKey } from '../support/connect';
import { query } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey } from '../support/tokens';

const APP = 'https://app.example.com';
const OTHER_APP = 'http://127.0.0.1:8080';

function sha256(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

async function errorOf(response: Response): Promise<[number, string]> {
  return [response.status, ((await response.json()) as { error: string }).error];
}

describe('POST /v1/connect-sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CONNECT_RETURN_ORIGINS: `${APP}, ${OTHER_APP}/`, CONNECT_SESSION_TTL_SECONDS: '600' });
    await createTenant(t, 'merchant-a');
    await createTenant(t, 'merchant-b');
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 201 { id, url, expires_at } and stores only the digest of the 256-bit token', async () => {
    const before = Date.now();
    const session = await createSession(t, 'merchant-a', `${APP}/settings/tiktok?tab=channels`);
    expect(session.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(session.url).toBe(`${t.baseUrl}/connect/${session.token}`);
    expect(session.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(session.token, 'base64url')).toHaveLength(32);
    const expires = new Date(session.expires_at).getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 590_000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 610_000);

    const rows = await query<Record<string, unknown>>(t.db.url, 'SELECT * FROM connect_sessions WHERE id = $1', [session.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      token_hash: sha256(session.token),
      tenant_id: 'merchant-a',
      return_url: `${APP}/settings/tiktok?tab=channels`,
      status: 'pending',
      created_by_key_id: 'admin',
      authorization_id: null,
    });
    expect(JSON.stringify(rows[0])).not.toContain(session.token);
  });

  it('gives a fresh token every time', async () => {
    const sessions = await Promise.all([0, 1, 2].map(() => createSession(t, 'merchant-a')));
    expect(new Set(sessions.map((session) => session.token)).size).toBe(3);
    expect(new Set(sessions.map((session) => session.id)).size).toBe(3);
  });

  it('lets a service key with the connect permission create sessions for its own tenants only', async () => {
    const { key, id } = await tenantKey(t, ['merchant-a']);
    const session = await createSession(t, 'merchant-a', undefined, key);
    const [row] = await query<{ created_by_key_id: string; return_url: string | null }>(
      t.db.url,
      'SELECT created_by_key_id, return_url FROM connect_sessions WHERE id = $1',
      [session.id],
    );
    expect(row).toEqual({ created_by_key_id: id, return_url: null });
    // Another tenant, existing or not: 403, so a key learns nothing of tenants not its own.
    expect(await errorOf(await postSession(t, { tenant_id: 'merchant-b' }, key))).toEqual([403, 'forbidden']);
    expect(await errorOf(await postSession(t, { tenant_id: 'no-such-tenant' }, key))).toEqual([403, 'forbidden']);
  });

  it('refuses keys without the connect permission, and keys not limited to tenants', async () => {
    const tokensOnly = await tenantKey(t, ['merchant-a'], ['tokens']);
    expect(await errorOf(await postSession(t, { tenant_id: 'merchant-a' }, tokensOnly.key))).toEqual([403, 'forbidden']);
    const everyShop = await createServiceKey(t.baseUrl, t.adminKey, 'every shop');
    expect(await errorOf(await postSession(t, { tenant_id: 'merchant-a' }, everyShop))).toEqual([403, 'forbidden']);
    // A connect permission without tenants covers none.
    const { key } = await tenantKey(t, [], ['connect']);
    expect(await errorOf(await postSession(t, { tenant_id: 'merchant-a' }, key))).toEqual([403, 'forbidden']);
    const unauthenticated = await fetch(`${t.baseUrl}/v1/connect-sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"tenant_id":"merchant-a"}',
    });
    expect(await errorOf(unauthenticated)).toEqual([401, 'unauthorized']);
  });

  it('answers 404 tenant_not_found for an unknown tenant (admin key)', async () => {
    expect(await errorOf(await postSession(t, { tenant_id: 'no-such-tenant' }))).toEqual([404, 'tenant_not_found']);
  });

  it.each<[string, unknown]>([
    ['no tenant_id', {}],
    ['a tenant_id with a space', { tenant_id: 'merchant a' }],
    ['a tenant_id of 129 characters', { tenant_id: 'a'.repeat(129) }],
    ['a numeric tenant_id', { tenant_id: 42 }],
    ['a return_url that is no string', { tenant_id: 'merchant-a', return_url: ['https://app.example.com/'] }],
    ['an unknown field', { tenant_id: 'merchant-a', redirect_uri: 'https://app.example.com/' }],
  ])('answers 400 invalid_request for %s', async (_label, body) => {
    expect(await errorOf(await postSession(t, body))).toEqual([400, 'invalid_request']);
  });

  describe('return_url allow-listing (CONNECT_RETURN_ORIGINS)', () => {
    it.each<[string, string, string]>([
      ['a listed https origin', `${APP}/settings`, `${APP}/settings`],
      ['a listed origin given with a trailing slash, with a port', `${OTHER_APP}/done?x=1`, `${OTHER_APP}/done?x=1`],
      ['an upper-case host and the default port', 'HTTPS://APP.EXAMPLE.COM:443/a', `${APP}/a`],
      ['a fragment (kept)', `${APP}/#/settings/tiktok`, `${APP}/#/settings/tiktok`],
    ])('accepts %s, stored as the browser will read it', async (_label, returnUrl, stored) => {
      const session = await createSession(t, 'merchant-a', returnUrl);
      const [row] = await query<{ return_url: string }>(t.db.url, 'SELECT return_url FROM connect_sessions WHERE id = $1', [session.id]);
      expect(row.return_url).toBe(stored);
    });

    it.each<[string, string]>([
      ['another origin', 'https://evil.example.com/settings'],
      ['a sibling subdomain', 'https://app.example.com.evil.example/settings'],
      ['the listed host over http', 'http://app.example.com/settings'],
      ['the listed host on another port', 'https://app.example.com:8443/settings'],
      ['user info making another host', 'https://app.example.com@evil.example.com/'],
      ['credentials on the listed host', 'https://user:pass@app.example.com/'],
      ['a relative URL', '/settings'],
      ['a scheme-relative URL', '//app.example.com/settings'],
      ['javascript:', 'javascript:alert(1)'],
      ['data:', 'data:text/html,hi'],
      ['an empty string', ''],
      ['a tab the URL parser would drop', 'https://app.exa\tmple.com/'],
      ['a newline', `${APP}/a\nb`],
      ['a leading space', ` ${APP}/`],
      ['a URL of 2049 characters', `${APP}/${'a'.repeat(2049 - APP.length - 1)}`],
    ])('refuses %s with 400 return_url_not_allowed', async (_label, returnUrl) => {
      expect(await errorOf(await postSession(t, { tenant_id: 'merchant-a', return_url: returnUrl }))).toEqual([
        400,
        'return_url_not_allowed',
      ]);
    });

    it('accepts a URL of exactly 2048 characters', async () => {
      const returnUrl = `${APP}/${'a'.repeat(2048 - APP.length - 1)}`;
      expect(returnUrl).toHaveLength(2048);
      expect((await postSession(t, { tenant_id: 'merchant-a', return_url: returnUrl })).status).toBe(201);
    });

    it('stores nothing for a refused session', async () => {
      const [{ n: before }] = await query<{ n: number }>(t.db.url, 'SELECT count(*)::int AS n FROM connect_sessions');
      await postSession(t, { tenant_id: 'merchant-a', return_url: 'https://evil.example.com/' });
      const [{ n: after }] = await query<{ n: number }>(t.db.url, 'SELECT count(*)::int AS n FROM connect_sessions');
      expect(after).toBe(before);
    });
  });
});

describe('POST /v1/connect-sessions without CONNECT_RETURN_ORIGINS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await createTenant(t, 'merchant-a');
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses every return_url, and creates sessions without one', async () => {
    const refused = await postSession(t, { tenant_id: 'merchant-a', return_url: 'https://app.example.com/' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      error: 'return_url_not_allowed',
      message: expect.stringContaining('CONNECT_RETURN_ORIGINS'),
    });
    expect((await postSession(t, { tenant_id: 'merchant-a' })).status).toBe(201);
    expect((await postSession(t, { tenant_id: 'merchant-a', return_url: null })).status).toBe(201);
  });
});
