import {
  ForbiddenError,
  ReauthorizationRequiredError,
  ServiceUnavailableError,
  ShopNotFoundError,
  TokenClient,
  TokenClientOptions,
  TokenServiceError,
  UnauthorizedError,
} from '../../packages/client/src/index.ts';
import { freePort } from '../../src/database/embedded-postgres';
import { CB_SELLER, clearFaults, consent, injectFault, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { waitFor } from '../support/wait';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';
import { expireSoon, MY_SHOP, RecordedCall, recordingFetch, UK_OUTLET, UK_SHOP, US_SHOP } from './client-helpers';

/** Typed errors and retries, against the service with the emulator's fault injection (no mocked answers). */
describe('TokenClient errors and retries', () => {
  let t: TestApp;
  let browser: HttpClient;
  let apiKey: string;

  function client(options: Partial<TokenClientOptions> = {}): { client: TokenClient; calls: RecordedCall[] } {
    const recorder = recordingFetch();
    return {
      client: new TokenClient({ baseUrl: t.baseUrl, apiKey, fetch: recorder.fetch, retryBaseDelayMs: 20, ...options }),
      calls: recorder.calls,
    };
  }

  async function rejection(promise: Promise<unknown>): Promise<TokenServiceError> {
    const error = await promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(error).toBeInstanceOf(TokenServiceError);
    return error as TokenServiceError;
  }

  beforeAll(async () => {
    // A transient TikTok failure puts the authorization in a backoff of exactly 1 s (the service's Retry-After).
    t = await startTestApp({ REFRESH_BACKOFF_BASE_SECONDS: '1', REFRESH_BACKOFF_MAX_SECONDS: '1' });
    browser = new HttpClient(t.baseUrl);
    for (const seller of [UK_SELLER, US_SELLER, CB_SELLER]) expect((await consent(browser, seller)).status).toBe(200);
    apiKey = await createServiceKey(t.baseUrl, t.adminKey, 'client library');
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await clearFaults(browser);
  });

  it('401 UnauthorizedError for an unknown key, without the key in the error', async () => {
    const unknownKey = `unknown-${'k'.repeat(40)}`;
    const { client: tokens } = client({ apiKey: unknownKey });
    const error = await rejection(tokens.getToken(UK_SHOP));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error).toMatchObject({ name: 'UnauthorizedError', status: 401, code: 'unauthorized', shopId: UK_SHOP, attempts: 1 });
    expect(error.message).toMatch(/401 unauthorized/);
    expect(`${error.message} ${error.stack ?? ''} ${JSON.stringify(error)}`).not.toContain(unknownKey);
  });

  it('403 ForbiddenError for a shop outside the key, on getToken and invalidate', async () => {
    const limitedKey = await createServiceKey(t.baseUrl, t.adminKey, 'outlet only', [UK_OUTLET]);
    const { client: tokens } = client({ apiKey: limitedKey });
    expect((await tokens.getToken(UK_OUTLET)).accessToken).toBe((await sandboxStats(browser)).current[UK_SELLER].access_token);
    const error = await rejection(tokens.getToken(UK_SHOP));
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(error).toMatchObject({ status: 403, code: 'forbidden' });
    expect(await rejection(tokens.invalidate(UK_SHOP))).toBeInstanceOf(ForbiddenError);
  });

  it('404 ShopNotFoundError for an unknown shop; a wrong base path is a plain TokenServiceError', async () => {
    const { client: tokens } = client();
    const error = await rejection(tokens.getToken('7999999999999999'));
    expect(error).toBeInstanceOf(ShopNotFoundError);
    expect(error).toMatchObject({ status: 404, code: 'shop_not_found', shopId: '7999999999999999' });

    const { client: misrouted } = client({ baseUrl: `${t.baseUrl}/wrong-prefix` });
    const other = await rejection(misrouted.getToken(UK_SHOP));
    expect(other).not.toBeInstanceOf(ShopNotFoundError);
    expect(other).toMatchObject({ name: 'TokenServiceError', status: 404, code: 'not_found' });
  });

  it('409 ReauthorizationRequiredError once an admin revoked the shop', async () => {
    const revoked = await new KeyClient(t.baseUrl, t.adminKey).request(`/admin/shops/${MY_SHOP}`, { method: 'DELETE' });
    expect(revoked.status).toBeLessThan(300);
    const { client: tokens, calls } = client();
    const error = await rejection(tokens.getToken(MY_SHOP));
    expect(error).toBeInstanceOf(ReauthorizationRequiredError);
    expect(error).toMatchObject({ status: 409, code: 'reauthorization_required' });
    expect(error.message).toMatch(/consent/);
    // Not worth a retry.
    expect(calls).toHaveLength(1);
  });

  it('retries a 503 after the Retry-After the service sent, and gets the refreshed token', async () => {
    await expireSoon(t, US_SELLER, 60);
    // TikTok fails the refresh once: the service answers 503 tiktok_unavailable with Retry-After.
    await injectFault(browser, { endpoint: 'token_refresh', type: 'http_503', count: 1 });
    const { client: tokens, calls } = client({ retries: 5 });
    const token = await tokens.getToken(US_SHOP);

    expect(token.accessToken).toBe((await sandboxStats(browser)).current[US_SELLER].access_token);
    expect(token.expiresAt.getTime()).toBeGreaterThan(Date.now() + 86400 * 1000);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(calls[0]).toMatchObject({ status: 503, retryAfter: '1' });
    expect(calls[calls.length - 1].status).toBe(200);
    for (let i = 1; i < calls.length; i += 1) {
      expect(calls[i - 1].status).toBe(503);
      // Never sooner than the service asked (a few ms of clock granularity allowed).
      expect(calls[i].sentAt - calls[i - 1].sentAt).toBeGreaterThanOrEqual(Number(calls[i - 1].retryAfter) * 1000 - 5);
    }
  });

  it('gives up at once, with retryAfterSeconds, when the service asks for longer than retryMaxDelayMs', async () => {
    await expireSoon(t, US_SELLER, 60);
    await injectFault(browser, { endpoint: 'token_refresh', type: 'http_503' });
    const { client: tokens, calls } = client({ retries: 3, retryMaxDelayMs: 500 });
    const error = await rejection(tokens.getToken(US_SHOP));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'tiktok_unavailable', retryAfterSeconds: 1, attempts: 1 });
    expect(error.message).toMatch(/longer than retryMaxDelayMs/);
    expect(calls).toHaveLength(1);
  });

  it('ServiceUnavailableError after the retries run out', async () => {
    await expireSoon(t, UK_SELLER, 60);
    await injectFault(browser, { endpoint: 'token_refresh', type: 'http_503' });
    const { client: tokens, calls } = client({ retries: 2 });
    const error = await rejection(tokens.getToken(UK_SHOP));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 503, code: 'tiktok_unavailable', attempts: 3 });
    expect(error.message).toMatch(/after 3 attempts/);
    expect(error.cause).toBeInstanceOf(ServiceUnavailableError);
    expect(calls.map((call) => call.status)).toEqual([503, 503, 503]);
  });

  it('retries network errors, then ServiceUnavailableError network_error', async () => {
    const port = await freePort();
    const { client: tokens, calls } = client({ baseUrl: `http://127.0.0.1:${port}`, retries: 2 });
    const error = await rejection(tokens.getToken(UK_SHOP));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 0, code: 'network_error', attempts: 3 });
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(calls).toHaveLength(0); // the recording fetch saw no answer at all
  });

  it('times out an attempt that takes longer than timeoutMs', async () => {
    await expireSoon(t, UK_SELLER, 60);
    // The backoff of the previous test is over.
    await waitFor(
      async () => {
        const rows = await query<{ due: boolean }>(
          t.db.url,
          'SELECT next_refresh_at IS NULL OR next_refresh_at <= now() AS due FROM seller_authorizations WHERE open_id = $1',
          [UK_SELLER],
        );
        return rows.every((row) => row.due);
      },
      3000,
      20,
    );
    // TikTok answers the refresh after 1.5 s; the client waits 200 ms.
    await injectFault(browser, { endpoint: 'token_refresh', type: 'timeout', delay_ms: 1500, count: 1 });
    const { client: tokens } = client({ retries: 0, timeoutMs: 200 });
    const error = await rejection(tokens.getToken(UK_SHOP));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ status: 0, code: 'timeout', attempts: 1 });
    // The service finishes its refresh meanwhile; a patient client gets that token.
    const { client: patient } = client({ timeoutMs: 10_000 });
    const token = await patient.getToken(UK_SHOP);
    expect(token.accessToken).toBe((await sandboxStats(browser)).current[UK_SELLER].access_token);
  });
});
