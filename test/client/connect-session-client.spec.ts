import { inspect } from 'node:util';
import {
  ForbiddenError,
  ServiceUnavailableError,
  TenantNotFoundError,
  TokenClient,
  TokenClientOptions,
  TokenServiceError,
  UnauthorizedError,
  UnknownAppError,
} from '../../packages/client/src/index.ts';
import { freePort } from '../../src/database/embedded-postgres';
import { callbackUrl, mintCode, TWO_APPS, UK_SELLER } from '../support/consent';
import { beginSession, browser, createTenant, redirectQuery, sessionConsent, tenantKey } from '../support/connect';
import { query } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';
import { recordingFetch } from './client-helpers';

const PRODUCT = 'https://app.example.com';

async function rejection(promise: Promise<unknown>): Promise<TokenServiceError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(TokenServiceError);
  return error as TokenServiceError;
}

/** createConnectSession against the whole service: what a product backend holding a `connect` key does. */
describe('TokenClient.createConnectSession', () => {
  let t: TestApp;
  let connectKey: string;

  function client(options: Partial<TokenClientOptions> = {}): { client: TokenClient; calls: ReturnType<typeof recordingFetch>['calls'] } {
    const recorder = recordingFetch();
    return {
      client: new TokenClient({ baseUrl: t.baseUrl, apiKey: connectKey, fetch: recorder.fetch, retryBaseDelayMs: 20, ...options }),
      calls: recorder.calls,
    };
  }

  beforeAll(async () => {
    t = await startTestApp({ CONNECT_RETURN_ORIGINS: PRODUCT });
    await createTenant(t, 'merchant-42');
    await createTenant(t, 'merchant-43');
    connectKey = (await tenantKey(t, ['merchant-42'])).key;
  });
  afterAll(async () => {
    await t.close();
  });

  it('returns { id, url, expiresAt } of a session whose consent comes back to returnUrl', async () => {
    const { client: connect, calls } = client();
    const session = await connect.createConnectSession('merchant-42', { returnUrl: `${PRODUCT}/settings/tiktok` });
    expect(session).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown,
      url: expect.stringMatching(/\/connect\//) as unknown,
      expiresAt: expect.any(Date) as unknown,
      app: 'default',
    });
    expect(session.expiresAt.getTime()).toBeGreaterThan(Date.now() + 1700_000);
    expect(calls).toEqual([expect.objectContaining({ method: 'POST', path: '/v1/connect-sessions', status: 201 })]);
    const [row] = await query<{ tenant_id: string; return_url: string }>(
      t.db.url,
      'SELECT tenant_id, return_url FROM connect_sessions WHERE id = $1',
      [session.id],
    );
    expect(row).toEqual({ tenant_id: 'merchant-42', return_url: `${PRODUCT}/settings/tiktok` });
    const response = await sessionConsent(browser(t), { path: new URL(session.url).pathname }, UK_SELLER, 'text/html');
    expect(redirectQuery(response)).toMatchObject({ connect_session_id: session.id, status: 'success', open_id: UK_SELLER });
  });

  it('creates a session without a returnUrl', async () => {
    const session = await client().client.createConnectSession('merchant-42');
    const [row] = await query<{ return_url: string | null }>(t.db.url, 'SELECT return_url FROM connect_sessions WHERE id = $1', [
      session.id,
    ]);
    expect(row.return_url).toBeNull();
  });

  it('throws ForbiddenError for a tenant not the key’s, TenantNotFoundError for an unknown one (admin key), never retried', async () => {
    const { client: connect, calls } = client();
    const forbidden = await rejection(connect.createConnectSession('merchant-43'));
    expect(forbidden).toBeInstanceOf(ForbiddenError);
    expect(forbidden).toMatchObject({ status: 403, code: 'forbidden', attempts: 1 });
    expect(forbidden.message).toContain('tenant merchant-43');
    expect(calls).toHaveLength(1);
    const missing = await rejection(client({ apiKey: t.adminKey }).client.createConnectSession('no-such-tenant'));
    expect(missing).toBeInstanceOf(TenantNotFoundError);
    expect(missing).toMatchObject({ name: 'TenantNotFoundError', status: 404, code: 'tenant_not_found' });
  });

  it('throws a TokenServiceError return_url_not_allowed for a return URL outside CONNECT_RETURN_ORIGINS', async () => {
    const error = await rejection(client().client.createConnectSession('merchant-42', { returnUrl: 'https://evil.example.com/' }));
    expect(error.constructor).toBe(TokenServiceError);
    expect(error).toMatchObject({ status: 400, code: 'return_url_not_allowed' });
  });

  it('throws UnauthorizedError for an unknown key, without the key in the error', async () => {
    const unknownKey = `unknown-${'k'.repeat(40)}`;
    const error = await rejection(client({ apiKey: unknownKey }).client.createConnectSession('merchant-42'));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(inspect(error)).not.toContain(unknownKey);
  });

  it('retries a service that does not answer, then ServiceUnavailableError network_error', async () => {
    const port = await freePort();
    const recorder = recordingFetch();
    const connect = new TokenClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiKey: connectKey,
      fetch: recorder.fetch,
      retries: 2,
      retryBaseDelayMs: 10,
    });
    const error = await rejection(connect.createConnectSession('merchant-42'));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ code: 'network_error', attempts: 3 });
    expect(error.message).toContain('tenant merchant-42');
  });

  it('refuses a malformed tenant id or returnUrl before any request', async () => {
    const { client: connect, calls } = client();
    await expect(connect.createConnectSession('merchant 42')).rejects.toThrow(TypeError);
    await expect(connect.createConnectSession('a'.repeat(129))).rejects.toThrow(TypeError);
    await expect(connect.createConnectSession('merchant-42', { returnUrl: 42 as unknown as string })).rejects.toThrow(TypeError);
    for (const app of ['US', '', 'a'.repeat(33), 5 as unknown as string]) {
      await expect(connect.createConnectSession('merchant-42', { app })).rejects.toThrow(TypeError);
    }
    expect(calls).toEqual([]);
  });
});

describe('TokenClient.createConnectSession with two apps (global, us)', () => {
  let t: TestApp;
  let connect: TokenClient;

  beforeAll(async () => {
    t = await startTestApp({ ...TWO_APPS, CONNECT_RETURN_ORIGINS: PRODUCT });
    await createTenant(t, 'merchant-42');
    connect = new TokenClient({ baseUrl: t.baseUrl, apiKey: (await tenantKey(t, ['merchant-42'])).key, retryBaseDelayMs: 20 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates a session for the app it names (the first listed when none), whose consent is through that app', async () => {
    const us = await connect.createConnectSession('merchant-42', { app: 'us', returnUrl: `${PRODUCT}/tiktok` });
    expect(us.app).toBe('us');
    expect((await connect.createConnectSession('merchant-42')).app).toBe('global');
    const client = browser(t);
    const state = await beginSession(client, { path: new URL(us.url).pathname });
    const response = await client.get(callbackUrl({ code: await mintCode(client, UK_SELLER, 'us'), state }), 'text/html');
    expect(redirectQuery(response)).toMatchObject({ connect_session_id: us.id, status: 'success', open_id: UK_SELLER });
    const rows = await query<{ app_key: string }>(t.db.url, 'SELECT app_key FROM seller_authorizations WHERE open_id = $1', [UK_SELLER]);
    expect(rows).toEqual([{ app_key: 'sandbox-us-app-key' }]);
  });

  it('throws an UnknownAppError (a TokenServiceError) for an app the service does not serve, never retried', async () => {
    const error = await rejection(connect.createConnectSession('merchant-42', { app: 'eu' }));
    expect(error.constructor).toBe(UnknownAppError);
    expect(error).toBeInstanceOf(TokenServiceError);
    expect(error).toMatchObject({ status: 400, code: 'unknown_app', attempts: 1 });
  });
});
