import { inspect } from 'node:util';
import { isExpiredTokenError, TokenClient } from '../../packages/client/src/index.ts';
import { consent, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createTenant } from '../support/connect';
import { query } from '../support/database';
import { createServiceKey, KeyClient } from '../support/tokens';
import {
  forgetRecentRefreshes,
  recordingFetch,
  servedTokenRequests,
  setSandboxConfig,
  TikTokApiError,
  tiktokAuthorizedShops,
  UK_OUTLET,
  UK_SHOP,
  US_SHOP,
} from './client-helpers';

/** The client against the whole service and its TikTok emulator: caching, single-flight, invalidate, withToken. */
describe('TokenClient against the service', () => {
  const TOKEN_TTL = 3600;
  let t: TestApp;
  let browser: HttpClient;
  let apiKey: string;

  function client(options: Partial<ConstructorParameters<typeof TokenClient>[0]> = {}): {
    client: TokenClient;
    calls: ReturnType<typeof recordingFetch>['calls'];
  } {
    const recorder = recordingFetch();
    return { client: new TokenClient({ baseUrl: t.baseUrl, apiKey, fetch: recorder.fetch, ...options }), calls: recorder.calls };
  }

  beforeAll(async () => {
    t = await startTestApp();
    browser = new HttpClient(t.baseUrl);
    // Access tokens of an hour, so a min_ttl can ask for more than a token has left.
    await setSandboxConfig(t, { access_token_ttl_seconds: TOKEN_TTL });
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    apiKey = await createServiceKey(t.baseUrl, t.adminKey, 'client library');
  });
  afterAll(async () => {
    await t.close();
  });

  it("carries the tenant that owns the shop's seller", async () => {
    await createTenant(t, 'client-tenant');
    const [{ id }] = await query<{ id: string }>(t.db.url, 'SELECT authorization_id AS id FROM shops WHERE id = $1', [US_SHOP]);
    const moved = await new KeyClient(t.baseUrl, t.adminKey).putJson(`/admin/authorizations/${id}/tenant`, { tenant_id: 'client-tenant' });
    expect(moved.status).toBe(200);
    const { client: tokens } = client();
    expect((await tokens.getToken(US_SHOP)).tenantId).toBe('client-tenant');
  });

  it('serves a token from memory until expiresAt - minTtl, then asks the service again', async () => {
    const { client: tokens, calls } = client();
    const servedBefore = await servedTokenRequests(t);
    const first = await tokens.getToken(UK_SHOP);
    const stats = await sandboxStats(browser);
    expect(first.accessToken).toBe(stats.current[UK_SELLER].access_token);
    expect(first.shopCipher).toMatch(/^SBXCIPHER_/);
    expect(first.expiresAt).toBeInstanceOf(Date);
    // A seller connected anonymously belongs to no tenant.
    expect(first.tenantId).toBeNull();
    expect(first.expiresAt.getTime()).toBeGreaterThan(Date.now() + (TOKEN_TTL - 600) * 1000);
    expect(calls).toEqual([expect.objectContaining({ method: 'GET', path: `/v1/shops/${UK_SHOP}/token`, status: 200 })]);

    // Still valid for the default 300 s and for 3000 s: no request.
    for (let i = 0; i < 5; i += 1) expect((await tokens.getToken(UK_SHOP)).accessToken).toBe(first.accessToken);
    expect((await tokens.getToken(UK_SHOP, { minTtl: TOKEN_TTL - 600 })).accessToken).toBe(first.accessToken);
    expect(calls).toHaveLength(1);
    expect((await servedTokenRequests(t)) - servedBefore).toBe(1);

    // More than the token has left: the client asks, and the service refreshes to answer.
    const refreshesBefore = (await sandboxStats(browser)).calls.token_refresh ?? 0;
    const longer = await tokens.getToken(UK_SHOP, { minTtl: TOKEN_TTL + 100 });
    expect(calls).toHaveLength(2);
    expect(calls[1].path).toBe(`/v1/shops/${UK_SHOP}/token`);
    expect(longer.accessToken).not.toBe(first.accessToken);
    expect(longer.accessToken).toBe((await sandboxStats(browser)).current[UK_SELLER].access_token);
    expect((await sandboxStats(browser)).calls.token_refresh).toBe(refreshesBefore + 1);
    // The new token is the cached one now.
    expect((await tokens.getToken(UK_SHOP)).accessToken).toBe(longer.accessToken);
    expect(calls).toHaveLength(2);
  });

  it('hands every caller its own copy', async () => {
    const { client: tokens } = client();
    const first = await tokens.getToken(UK_SHOP);
    first.expiresAt.setTime(0);
    first.accessToken = 'changed';
    const second = await tokens.getToken(UK_SHOP);
    expect(second.accessToken).not.toBe('changed');
    expect(second.expiresAt.getTime()).toBeGreaterThan(Date.now());
  });

  it('sends one request per shop for 100 concurrent getToken calls', async () => {
    const { client: tokens, calls } = client();
    const servedBefore = await servedTokenRequests(t);
    const results = await Promise.all(Array.from({ length: 100 }, () => tokens.getToken(US_SHOP)));
    expect(new Set(results.map((token) => token.accessToken))).toEqual(
      new Set([(await sandboxStats(browser)).current[US_SELLER].access_token]),
    );
    expect(calls).toHaveLength(1);
    expect((await servedTokenRequests(t)) - servedBefore).toBe(1);

    // Two other shops at once: one request each.
    const { client: cold, calls: coldCalls } = client();
    await Promise.all(Array.from({ length: 100 }, (_, i) => cold.getToken(i % 2 === 0 ? UK_SHOP : UK_OUTLET)));
    expect(coldCalls.map((call) => call.path).sort()).toEqual([`/v1/shops/${UK_SHOP}/token`, `/v1/shops/${UK_OUTLET}/token`]);
  });

  it('invalidate() gets a new token through the refresh route, once for concurrent callers, and getToken waits for it', async () => {
    const { client: tokens, calls } = client();
    const old = await tokens.getToken(UK_SHOP);
    await forgetRecentRefreshes(t);
    const refreshesBefore = (await sandboxStats(browser)).calls.token_refresh ?? 0;

    const invalidations = Array.from({ length: 5 }, () => tokens.invalidate(UK_SHOP));
    const readers = Array.from({ length: 20 }, () => tokens.getToken(UK_SHOP));
    const results = await Promise.all([...invalidations, ...readers]);

    const stats = await sandboxStats(browser);
    const renewed = stats.current[UK_SELLER].access_token;
    expect(renewed).not.toBe(old.accessToken);
    for (const token of results) expect(token.accessToken).toBe(renewed);
    expect(stats.calls.token_refresh).toBe(refreshesBefore + 1);
    expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
      `GET /v1/shops/${UK_SHOP}/token`,
      `POST /v1/shops/${UK_SHOP}/token/refresh`,
    ]);
    // The new token is cached; the other shop of the seller is not this client's business until asked.
    expect((await tokens.getToken(UK_SHOP)).accessToken).toBe(renewed);
    expect(calls).toHaveLength(2);
  });

  it('withToken: a real TikTok call refused with 105002 gets a new token and is retried once', async () => {
    const { client: tokens, calls } = client();
    const old = await tokens.getToken(US_SHOP);
    await forgetRecentRefreshes(t);
    // TikTok's clock moves past the token's expiry: the emulator now answers 105002 for it.
    const offset = 2 * TOKEN_TTL;
    await setSandboxConfig(t, { clock_offset_seconds: offset });
    try {
      await expect(tiktokAuthorizedShops(t, old.accessToken, offset)).rejects.toMatchObject({ code: 105002 });
      const seen: string[] = [];
      const shops = await tokens.withToken(US_SHOP, (token) => {
        seen.push(token.accessToken);
        return tiktokAuthorizedShops(t, token.accessToken, offset);
      });
      expect(shops).toEqual([US_SHOP]);
      const renewed = (await sandboxStats(browser)).current[US_SELLER].access_token;
      expect(seen).toEqual([old.accessToken, renewed]);
      expect(calls.map((call) => `${call.method} ${call.path}`)).toEqual([
        `GET /v1/shops/${US_SHOP}/token`,
        `POST /v1/shops/${US_SHOP}/token/refresh`,
      ]);
    } finally {
      await setSandboxConfig(t, { clock_offset_seconds: 0 });
    }
  });

  it('withToken retries once and no more, and leaves other errors alone', async () => {
    const { client: tokens, calls } = client();
    // TikTok's envelope thrown as is, with the code as a string: still recognised.
    const envelope = { code: '105002', message: 'Access token is expired', request_id: '2026' };
    let runs = 0;
    await expect(
      tokens.withToken(UK_OUTLET, () => {
        runs += 1;
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the point: some TikTok wrappers throw the envelope itself
        throw envelope;
      }),
    ).rejects.toBe(envelope);
    expect(runs).toBe(2);
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(1);

    runs = 0;
    const other = new TikTokApiError(36009004, 'invalid shop_cipher');
    await expect(
      tokens.withToken(UK_OUTLET, () => {
        runs += 1;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(runs).toBe(1);
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(1);

    // A value, not a promise, is fine too.
    expect(await tokens.withToken(UK_OUTLET, (token) => token.shopCipher.length > 0)).toBe(true);
  });

  it('withToken takes a predicate of its own', async () => {
    class Expired extends Error {}
    const { client: tokens, calls } = client({ isExpiredTokenError: (error) => error instanceof Expired });
    let runs = 0;
    const result = await tokens.withToken(UK_SHOP, () => {
      runs += 1;
      if (runs === 1) throw new Expired('expired');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(1);
    // ...and then 105002 alone is no longer its business.
    await expect(tokens.withToken(UK_SHOP, () => Promise.reject(new TikTokApiError(105002, 'expired')))).rejects.toBeInstanceOf(
      TikTokApiError,
    );
    expect(calls.filter((call) => call.method === 'POST')).toHaveLength(1);
  });

  it('isExpiredTokenError recognises 105002 on errors, envelopes, causes and axios answers', () => {
    expect(isExpiredTokenError(new TikTokApiError(105002, 'expired'))).toBe(true);
    expect(isExpiredTokenError({ code: 105002, message: 'expired', data: {} })).toBe(true);
    expect(isExpiredTokenError(new Error('wrapped', { cause: { code: '105002' } }))).toBe(true);
    expect(isExpiredTokenError(Object.assign(new Error('Request failed'), { response: { status: 200, data: { code: 105002 } } }))).toBe(
      true,
    );
    expect(isExpiredTokenError(new TikTokApiError(105001, 'invalid'))).toBe(false);
    expect(isExpiredTokenError({ code: 'ECONNRESET' })).toBe(false);
    expect(isExpiredTokenError('105002')).toBe(false);
    expect(isExpiredTokenError(null)).toBe(false);
  });

  it('never shows the API key', async () => {
    const { client: tokens } = client();
    await tokens.getToken(UK_SHOP);
    expect(inspect(tokens, { depth: 5, showHidden: true })).not.toContain(apiKey);
    expect(JSON.stringify(tokens)).not.toContain(apiKey);
    expect(() => new TokenClient({ baseUrl: 'not a url', apiKey })).toThrow(/baseUrl/);
    expect(() => new TokenClient({ baseUrl: t.baseUrl, apiKey: ' ' })).toThrow(/apiKey/);
    // Mistakes fetch would report with the key or a password in its message: refused here, without them.
    expect(() => new TokenClient({ baseUrl: t.baseUrl, apiKey: 'SECRETKEY123\nabc' })).toThrow(/^TokenClient: apiKey must be/);
    expect(() => new TokenClient({ baseUrl: t.baseUrl, apiKey: 'SECRETKEY123\nabc' })).not.toThrow(/SECRETKEY123/);
    expect(() => new TokenClient({ baseUrl: 'http://user:PASSWORD@127.0.0.1:9', apiKey })).toThrow(/user name or password/);
    expect(() => new TokenClient({ baseUrl: 'http://user:PASSWORD@127.0.0.1:9', apiKey })).not.toThrow(/PASSWORD/);
    await expect(tokens.getToken('bad id')).rejects.toBeInstanceOf(TypeError);
    await expect(tokens.getToken(UK_SHOP, { minTtl: 86401 })).rejects.toBeInstanceOf(RangeError);
  });
});
