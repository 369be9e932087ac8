import fs from 'node:fs';
import { ShopTokensService } from '../../src/tokens/shop-tokens.service';
import { TokenFastPath } from '../../src/tokens/token-fast-path';
import { TokenCache } from '../../src/cache/token-cache.service';
import { query } from '../support/database';
import { waitFor } from '../support/wait';
import { consent, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

const UK_SHOP = '7000000000000001';
const UK_OUTLET = '7000000000000002';
const US_SHOP = '7000000000000101';

/** Headers that differ between any two answers, whoever gives them. */
const VOLATILE = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

describe('token API fast path (answered before the framework)', () => {
  let t: TestApp;
  let all: KeyClient;
  let outletOnly: KeyClient;
  let outletKey: string;
  /** The instance's cache: its generation moves when a notification is heard. */
  let cache: TokenCache;
  /** Requests the fast path answered itself, counted by wrapping its middleware. */
  let fastAnswers = 0;

  beforeAll(async () => {
    t = await startTestApp({ TOKEN_CACHE_ENABLED: 'true', LOG_LEVEL: 'info' });
    cache = t.app.get(TokenCache);
    const fastPath = t.app.get<TokenFastPath, { send: (...args: unknown[]) => void }>(TokenFastPath);
    const send = fastPath.send.bind(fastPath);
    fastPath.send = (...args: unknown[]) => {
      fastAnswers += 1;
      send(...args);
    };
    const browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    all = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'all shops'));
    outletKey = await createServiceKey(t.baseUrl, t.adminKey, 'outlet only', [UK_OUTLET]);
    outletOnly = new KeyClient(t.baseUrl, outletKey);
  });
  afterAll(async () => {
    await t.close();
  });

  async function answer(client: KeyClient, path: string, headers: Record<string, string> = {}): Promise<Answer> {
    const response = await client.request(path, { headers });
    const flat: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!VOLATILE.has(name)) flat[name] = value;
    });
    return { status: response.status, headers: flat, body: await response.text() };
  }

  /** The answer of `path`, and whether the fast path gave it. */
  async function traced(client: KeyClient, path: string): Promise<Answer & { fast: boolean }> {
    const before = fastAnswers;
    const result = await answer(client, path);
    return { ...result, fast: fastAnswers > before };
  }

  it('answers from memory with the same status, headers and body as the full path', async () => {
    // A trailing slash is routed by Express to the controller but never taken by the fast path.
    const full = await traced(all, `/v1/shops/${US_SHOP}/token/`);
    expect(full.fast).toBe(false);
    const fast = await traced(all, `/v1/shops/${US_SHOP}/token`);
    expect({ fast: fast.fast, status: fast.status }).toEqual({ fast: true, status: 200 });
    expect(fast.body).toBe(full.body);
    expect(fast.headers).toEqual(full.headers);
    const answer = await traced(all, `/v1/shops/${US_SHOP}/token`);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['content-security-policy']).toContain("default-src 'none'");
    expect(answer.headers.etag).toBeUndefined();
    expect(JSON.parse(answer.body)).toMatchObject({ shop_id: US_SHOP, access_token: expect.any(String) });
  });

  it('reads the database on a miss, with the same answer as the full path', async () => {
    const [{ id }] = await query<{ id: string }>(t.db.url, 'SELECT authorization_id AS id FROM shops WHERE id = $1', [UK_OUTLET]);
    const forget = async () => {
      // What a refresh or revocation on any replica sends: this authorization's tokens are forgotten, keys kept.
      const heard = cache.generation;
      await query(t.db.url, 'SELECT pg_notify($1, $2)', ['tts_invalidate', JSON.stringify({ kind: 'authorization', id })]);
      await waitFor(() => cache.generation > heard, 2000, 5);
    };
    const full = await traced(all, `/v1/shops/${UK_OUTLET}/token/`);
    await forget();
    const miss = await traced(all, `/v1/shops/${UK_OUTLET}/token`);
    expect({ fast: miss.fast, status: miss.status }).toEqual({ fast: true, status: 200 });
    expect(miss.body).toBe(full.body);
    expect(miss.headers).toEqual(full.headers);
    // A change behind the cache's back is not seen until the cache is told; then the miss reads it.
    await query(t.db.url, "UPDATE shops SET cipher = 'CHANGED_BEHIND_ITS_BACK' WHERE id = $1", [UK_OUTLET]);
    expect(JSON.parse((await traced(all, `/v1/shops/${UK_OUTLET}/token`)).body)).toMatchObject({
      shop_cipher: (JSON.parse(full.body) as { shop_cipher: string }).shop_cipher,
    });
    await forget();
    expect(JSON.parse((await traced(all, `/v1/shops/${UK_OUTLET}/token`)).body)).toMatchObject({ shop_cipher: 'CHANGED_BEHIND_ITS_BACK' });
  });

  it('echoes a well-formed request id and makes one up otherwise, like every other route', async () => {
    const echoed = await all.request(`/v1/shops/${US_SHOP}/token`, { headers: { 'x-request-id': 'trace-abc.123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-abc.123');
    // The access line pino-http writes for every other request: id, method, path without the query, status.
    await all.request(`/v1/shops/${US_SHOP}/token?min_ttl=60`, { headers: { 'x-request-id': 'trace-fast-log' } });
    const lines = fs
      .readFileSync(t.config.log.file as string, 'utf8')
      .split('\n')
      .filter((line) => line.includes('trace-fast-log'));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { id: 'trace-fast-log', method: 'GET', path: `/v1/shops/${US_SHOP}/token` },
      res: { statusCode: 200 },
      responseTime: expect.any(Number),
    });
    const invented = await all.request(`/v1/shops/${US_SHOP}/token`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(invented.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('honours min_ttl: a cached token that would not last that long is refreshed first', async () => {
    // Two hours left, announced so that the cache forgets what it had.
    await query(t.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '2 hours' WHERE open_id = $1", [
      UK_SELLER,
    ]);
    const heard = cache.generation;
    await query(t.db.url, 'SELECT pg_notify(\'tts_invalidate\', \'{"kind":"all"}\')');
    await waitFor(() => cache.generation > heard, 2000, 5);
    const before = JSON.parse((await traced(all, `/v1/shops/${UK_SHOP}/token`)).body) as { access_token: string };
    expect(JSON.parse((await traced(all, `/v1/shops/${UK_SHOP}/token?min_ttl=3600`)).body)).toMatchObject({
      access_token: before.access_token,
    });
    const beyond = await traced(all, `/v1/shops/${UK_SHOP}/token?min_ttl=10800`);
    expect({ status: beyond.status, fast: beyond.fast }).toEqual({ status: 200, fast: true });
    const refreshed = JSON.parse(beyond.body) as { access_token: string; expires_at: string };
    expect(refreshed.access_token).not.toBe(before.access_token);
    expect(Date.parse(refreshed.expires_at)).toBeGreaterThan(Date.now() + 10800 * 1000);
  });

  it('leaves every refusal to the full path: the same errors as without a cache', async () => {
    await traced(all, `/v1/shops/${UK_SHOP}/token`);
    expect((await traced(all, `/v1/shops/${UK_SHOP}/token`)).fast).toBe(true);
    const cases: [KeyClient, string, number, string][] = [
      [outletOnly, `/v1/shops/${UK_SHOP}/token`, 403, 'forbidden'],
      [new KeyClient(t.baseUrl, `tts_${'x'.repeat(43)}`), `/v1/shops/${UK_SHOP}/token`, 401, 'unauthorized'],
      [all, `/v1/shops/${UK_SHOP}/token?min_ttl=abc`, 400, 'invalid_request'],
      [all, `/v1/shops/${UK_SHOP}/token?min_ttl=99999`, 400, 'invalid_request'],
      [all, `/v1/shops/${UK_SHOP}/token?min_ttl=1&extra=1`, 400, 'invalid_request'],
      [all, '/v1/shops/7000000000009999/token', 404, 'shop_not_found'],
    ];
    for (const [client, path, status, error] of cases) {
      const result = await traced(client, path);
      expect({ path, status: result.status, fast: result.fast }).toEqual({ path, status, fast: false });
      expect(JSON.parse(result.body)).toMatchObject({ error });
    }
    const anonymous = await fetch(`${t.baseUrl}/v1/shops/${UK_SHOP}/token`);
    expect(anonymous.status).toBe(401);
  });

  it('answers a refused miss through the full path without doing its work twice', async () => {
    await traced(all, `/v1/shops/${UK_SHOP}/token`);
    const fetches = jest.spyOn(t.app.get(ShopTokensService), 'fetchToken');
    try {
      const result = await traced(all, '/v1/shops/7000000000009999/token');
      expect({ status: result.status, fast: result.fast }).toEqual({ status: 404, fast: false });
      expect(JSON.parse(result.body)).toMatchObject({ error: 'shop_not_found' });
      // One database read (the fast path's), not one more by the controller for the same answer.
      expect(fetches).toHaveBeenCalledTimes(1);
    } finally {
      fetches.mockRestore();
    }
  });

  it('serves a key limited to a shop only that shop, from memory too', async () => {
    await traced(outletOnly, `/v1/shops/${UK_OUTLET}/token`);
    expect((await traced(outletOnly, `/v1/shops/${UK_OUTLET}/token`)).fast).toBe(true);
    expect((await traced(outletOnly, `/v1/shops/${US_SHOP}/token`)).status).toBe(403);
  });

  it('stops answering for a deleted key at once', async () => {
    const key = await createServiceKey(t.baseUrl, t.adminKey, 'short-lived');
    const client = new KeyClient(t.baseUrl, key);
    await traced(client, `/v1/shops/${US_SHOP}/token`);
    expect((await traced(client, `/v1/shops/${US_SHOP}/token`)).fast).toBe(true);
    const admin = new KeyClient(t.baseUrl, t.adminKey);
    const { api_keys: keys } = (await (await admin.get('/admin/api-keys')).json()) as { api_keys: { id: string; name: string }[] };
    const id = keys.find((k) => k.name === 'short-lived')?.id;
    expect((await admin.request(`/admin/api-keys/${id}`, { method: 'DELETE' })).status).toBe(204);
    const after = await traced(client, `/v1/shops/${US_SHOP}/token`);
    expect(after.status).toBe(401);
    expect(after.fast).toBe(false);
  });

  it('stops answering for a revoked shop at once', async () => {
    await traced(all, `/v1/shops/${UK_OUTLET}/token`);
    expect((await traced(all, `/v1/shops/${UK_OUTLET}/token`)).fast).toBe(true);
    const admin = new KeyClient(t.baseUrl, t.adminKey);
    expect((await admin.request(`/admin/shops/${UK_OUTLET}`, { method: 'DELETE' })).status).toBe(200);
    const after = await traced(all, `/v1/shops/${UK_OUTLET}/token`);
    expect({ status: after.status, fast: after.fast }).toEqual({ status: 409, fast: false });
    // The stored row says the same.
    const [row] = await query<{ status: string }>(t.db.url, 'SELECT status FROM shops WHERE id = $1', [UK_OUTLET]);
    expect(row.status).toBe('revoked');
  });

  it('does not touch other methods or paths that only look alike', async () => {
    await traced(all, `/v1/shops/${US_SHOP}/token`);
    for (const path of [`/v1/shops/${US_SHOP}/token/`, `/V1/shops/${US_SHOP}/token`, `/v1/shops/${US_SHOP}/token?min_ttl=`]) {
      expect((await traced(all, path)).fast).toBe(false);
    }
    const head = await all.request(`/v1/shops/${US_SHOP}/token`, { method: 'HEAD' });
    expect(head.status).toBeLessThan(500);
  });
});
