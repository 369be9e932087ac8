import { DataSource } from 'typeorm';
import { storedTokens } from '../support/stored-tokens';
import { query } from '../support/database';
import { beginConsent, callbackUrl, CallbackJson, consent, mintCode, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

describe('consent flow (sandbox, real PostgreSQL)', () => {
  let t: TestApp;
  let client: HttpClient;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(() => {
    client = new HttpClient(t.baseUrl);
  });

  it('serves a home page with the authorize button and the sandbox note', async () => {
    const response = await client.get('/', 'text/html');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const body = await response.text();
    expect(body).toContain('Authorize with TikTok Shop');
    expect(body).toContain('href="/auth/tiktok"');
    expect(body).toContain('Sandbox mode');
  });

  it('redirects to the consent page with service_id and a 256-bit state bound to an HttpOnly cookie', async () => {
    const response = await client.get('/auth/tiktok', 'text/html');
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${t.baseUrl}/sandbox/open/authorize`);
    expect(location.searchParams.get('service_id')).toBe(t.config.tiktok.apps[0].serviceId);
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('tts_browser='));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const [row] = await query<{ ttl: number; state_hash: string }>(
      t.db.url,
      'SELECT extract(epoch FROM expires_at - created_at)::int AS ttl, state_hash FROM oauth_states ORDER BY created_at DESC LIMIT 1',
    );
    expect(row.ttl).toBe(600);
    expect(row.state_hash).not.toContain(location.searchParams.get('state'));
  });

  it('completes a consent through the sandbox consent page and stores everything encrypted', async () => {
    const { location } = await beginConsent(client);
    const page = await client.get(location.toString(), 'text/html');
    expect(page.status).toBe(200);
    const approve = await client.postForm(
      `${t.baseUrl}/sandbox/open/authorize`,
      {
        service_id: location.searchParams.get('service_id') ?? '',
        state: location.searchParams.get('state') ?? '',
        open_id: UK_SELLER,
        decision: 'approve',
      },
      'text/html',
    );
    expect(approve.status).toBe(302);
    const redirect = new URL(approve.headers.get('location') ?? '');
    expect(redirect.pathname).toBe('/auth/callback');

    const callback = await client.get(`${redirect.pathname}${redirect.search}`, 'application/json');
    expect(callback.status).toBe(200);
    const body = (await callback.json()) as CallbackJson;
    expect(body.open_id).toBe(UK_SELLER);
    expect(body.seller_name).toBe('Demo Seller UK');
    expect(body.shops.map((shop) => shop.shop_id).sort()).toEqual(['7000000000000001', '7000000000000002']);
    expect(body.shops[0]).toEqual({ shop_id: expect.any(String), shop_name: expect.any(String), region: 'GB', cipher: expect.any(String) });

    const [authorization] = await query<Record<string, unknown>>(t.db.url, 'SELECT * FROM seller_authorizations WHERE open_id = $1', [
      UK_SELLER,
    ]);
    expect(authorization).toMatchObject({
      app_key: t.config.tiktok.apps[0].appKey,
      status: 'active',
      seller_base_region: 'GB',
      user_type: 0,
    });
    expect(authorization.access_token).toMatch(/^v1:test-/);
    const stats = await sandboxStats(client);
    for (const secret of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens, ...stats.issued.codes]) {
      expect(JSON.stringify(body)).not.toContain(secret);
    }
    const issued = stats.current[UK_SELLER];
    const stored = await storedTokens(t.app).readTokens(String(authorization.id));
    expect(stored).toEqual({ accessToken: issued.access_token, refreshToken: issued.refresh_token });
    // The absolute expiries TikTok sent are stored as such.
    expect(new Date(String(authorization.access_token_expires_at)).getTime()).toBeGreaterThan(Date.now() + 6 * 86400 * 1000);
    const shops = await query(t.db.url, 'SELECT id, status, authorization_id FROM shops WHERE authorization_id = $1', [authorization.id]);
    expect(shops).toHaveLength(2);
    const events = await query<{ type: string }>(
      t.db.url,
      'SELECT type FROM authorization_events WHERE authorization_id = $1 ORDER BY id',
      [authorization.id],
    );
    expect(events.map((event) => event.type)).toEqual(['granted', 'shop_added', 'shop_added']);
  });

  it('sends a browser on to an HTML page listing the shops, without any token', async () => {
    const { state } = await beginConsent(client);
    const code = await mintCode(client, US_SELLER);
    const callback = await client.get(callbackUrl({ code, state }), 'text/html,application/xhtml+xml');
    expect([callback.status, callback.headers.get('location')]).toEqual([303, '/auth/result']);
    const response = await client.get('/auth/result', 'text/html,application/xhtml+xml');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    const page = await response.text();
    expect(page).toContain('Demo Shop US');
    expect(page).toContain('7000000000000101');
    const stats = await sandboxStats(client);
    for (const token of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens, code]) expect(page).not.toContain(token);
  });

  it('keeps no plaintext token, code or secret anywhere in the database', async () => {
    await consent(client, UK_SELLER);
    const stats = await sandboxStats(client);
    const secrets = [
      ...stats.issued.access_tokens,
      ...stats.issued.refresh_tokens,
      ...stats.issued.codes,
      t.config.tiktok.apps[0].appSecret,
    ];
    expect(secrets.length).toBeGreaterThan(4);
    const tables = await query<{ tablename: string }>(t.db.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    let dump = '';
    for (const { tablename } of tables) {
      const rows = await query<{ row: string }>(t.db.url, `SELECT to_jsonb(t)::text AS row FROM "${tablename}" t`);
      dump += rows.map((row) => row.row).join('\n');
    }
    expect(dump).toContain(UK_SELLER);
    for (const secret of secrets) expect(dump).not.toContain(secret);
  });

  it('refuses a ciphertext moved to another authorization row', async () => {
    await consent(client, UK_SELLER);
    await consent(client, US_SELLER);
    const rows = await query<{ id: string; open_id: string }>(
      t.db.url,
      'SELECT id, open_id FROM seller_authorizations WHERE open_id = ANY($1)',
      [[UK_SELLER, US_SELLER]],
    );
    const uk = rows.find((row) => row.open_id === UK_SELLER)?.id ?? '';
    const us = rows.find((row) => row.open_id === US_SELLER)?.id ?? '';
    const store = storedTokens(t.app);
    await expect(store.readTokens(us)).resolves.not.toBeNull();
    const dataSource = t.app.get(DataSource);
    await dataSource.query(
      'UPDATE seller_authorizations SET access_token = (SELECT access_token FROM seller_authorizations WHERE id = $1) WHERE id = $2',
      [uk, us],
    );
    await expect(store.readTokens(us)).rejects.toThrow(/authentication failed/);
    await expect(store.readTokens(uk)).resolves.not.toBeNull();
    // Restore the US row by consenting again: a fresh grant re-encrypts it.
    await consent(client, US_SELLER);
    await expect(store.readTokens(us)).resolves.not.toBeNull();
  });
});

describe('consent flow on https, on a pool of one connection', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_BASE_URL: 'https://tokens.example.test', DATABASE_POOL_SIZE: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('binds the state with a __Host- cookie marked Secure, and still completes', async () => {
    const client = new HttpClient(t.baseUrl);
    const response = await client.get('/auth/tiktok', 'text/html');
    const cookie = response.headers.getSetCookie().find((line) => line.startsWith('__Host-tts_browser='));
    expect(cookie).toMatch(/; Path=\/;/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/HttpOnly/);
    const state = new URL(response.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const callback = await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER), state }), 'application/json');
    expect(callback.status).toBe(200);
  });
});
