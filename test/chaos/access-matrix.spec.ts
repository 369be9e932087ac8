import { consent, CB_SELLER, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { recordSecrets } from '../support/secrets';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey } from '../support/tokens';
import { createSession, createTenant, tenantKey } from '../support/connect';
import { query } from '../support/database';

const UK_SHOP = '7000000000000001';
const UK_OUTLET = '7000000000000002';
const CB_SHOPS = ['7000000000000201', '7000000000000202'];

type CallerName = 'no key' | 'unknown key' | 'service key' | 'key for another shop' | 'tenant key' | 'connect key' | 'admin key';
const CALLERS: CallerName[] = ['no key', 'unknown key', 'service key', 'key for another shop', 'tenant key', 'connect key', 'admin key'];

/** The status each caller must get; written out by hand, not derived from the metadata the guard reads. */
type Expected = Record<CallerName, number>;
const PUBLIC = (status: number): Expected => ({
  'no key': status,
  'unknown key': status,
  'service key': status,
  'key for another shop': status,
  'tenant key': status,
  'connect key': status,
  'admin key': status,
});
// The tenant key's tenant owns UK_SHOP's seller; the connect key may create connect links only.
const SERVICE: Expected = {
  'no key': 401,
  'unknown key': 401,
  'service key': 200,
  'key for another shop': 403,
  'tenant key': 200,
  'connect key': 403,
  'admin key': 200,
};
const ADMIN = (ok: number): Expected => ({
  'no key': 401,
  'unknown key': 401,
  'service key': 403,
  'key for another shop': 403,
  'tenant key': 403,
  'connect key': 403,
  'admin key': ok,
});

interface Case {
  expected: Expected;
  /** The concrete request; a fresh one per caller where a success changes something. */
  request: (caller: CallerName) => Promise<{ path: string; method?: string; body?: string; contentType?: string }>;
}

describe('access matrix: every documented route x every kind of caller', () => {
  let t: TestApp;
  let keys: Record<CallerName, string | undefined>;
  let document: { paths: Record<string, Record<string, unknown>> };
  let deletableShops: string[];
  let authorizationId: string;
  let tenantSerial = 0;

  beforeAll(async () => {
    t = await startTestApp();
    const browser = new HttpClient(t.baseUrl);
    for (const seller of [UK_SELLER, US_SELLER, CB_SELLER]) expect((await consent(browser, seller)).status).toBe(200);
    const unknown = `tts_${'A'.repeat(43)}`;
    recordSecrets([unknown]);
    await createTenant(t, 'matrix');
    // UK_SHOP's seller belongs to the tenant of the tenant and connect keys.
    [{ authorizationId }] = await query<{ authorizationId: string }>(
      t.db.url,
      `UPDATE seller_authorizations SET tenant_id = 'matrix' WHERE id = (SELECT authorization_id FROM shops WHERE id = $1) RETURNING id AS "authorizationId"`,
      [UK_SHOP],
    );
    keys = {
      'no key': undefined,
      'unknown key': unknown,
      'service key': await createServiceKey(t.baseUrl, t.adminKey, 'all shops'),
      'key for another shop': await createServiceKey(t.baseUrl, t.adminKey, 'outlet only', [UK_OUTLET]),
      'tenant key': (await tenantKey(t, ['matrix'], ['tokens'])).key,
      'connect key': (await tenantKey(t, ['matrix'], ['connect'])).key,
      'admin key': t.adminKey,
    };
    deletableShops = [...CB_SHOPS];
    document = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as typeof document;
  });
  afterAll(async () => {
    await t.close();
  });

  const fixed =
    (path: string, method = 'GET', body?: string) =>
    () =>
      Promise.resolve({ path, method, body, contentType: body === undefined ? undefined : 'application/json' });

  const CASES: Record<string, Case> = {
    'GET /': { expected: PUBLIC(200), request: fixed('/') },
    'GET /favicon.ico': { expected: PUBLIC(200), request: fixed('/favicon.ico') },
    'GET /metrics': { expected: PUBLIC(200), request: fixed('/metrics') },
    'GET /health/live': { expected: PUBLIC(200), request: fixed('/health/live') },
    'GET /health/ready': { expected: PUBLIC(200), request: fixed('/health/ready') },
    'GET /auth/tiktok': { expected: PUBLIC(302), request: fixed('/auth/tiktok') },
    // No code and no state: refused whoever asks.
    'GET /auth/callback': { expected: PUBLIC(400), request: fixed('/auth/callback') },
    'GET /auth/callback/{app}': { expected: PUBLIC(400), request: fixed('/auth/callback/default') },
    // No result cookie: nothing to show, whoever asks.
    'GET /auth/result': { expected: PUBLIC(404), request: fixed('/auth/result') },
    // The webhook's Authorization header is TikTok's signature, never an API key.
    'POST /webhooks/tiktok': { expected: PUBLIC(401), request: fixed('/webhooks/tiktok', 'POST', '{"type":1}') },
    'POST /webhooks/tiktok/{app}': { expected: PUBLIC(401), request: fixed('/webhooks/tiktok/default', 'POST', '{"type":1}') },
    'GET /v1/shops': { expected: { ...SERVICE, 'key for another shop': 200 }, request: fixed('/v1/shops') },
    'GET /v1/shops/{shop_id}/token': { expected: SERVICE, request: fixed(`/v1/shops/${UK_SHOP}/token`) },
    'POST /v1/shops/{shop_id}/token/refresh': { expected: SERVICE, request: fixed(`/v1/shops/${UK_SHOP}/token/refresh`, 'POST') },
    'GET /auth/status': { expected: ADMIN(200), request: fixed('/auth/status') },
    'GET /admin/api-keys': { expected: ADMIN(200), request: fixed('/admin/api-keys') },
    'POST /admin/api-keys': { expected: ADMIN(201), request: fixed('/admin/api-keys', 'POST', '{"name":"matrix"}') },
    'DELETE /admin/api-keys/{id}': {
      expected: ADMIN(204),
      request: async () => {
        const response = await fetch(`${t.baseUrl}/admin/api-keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' },
          body: '{"name":"to delete"}',
        });
        const { id, key } = (await response.json()) as { id: string; key: string };
        recordSecrets([key]);
        return { path: `/admin/api-keys/${id}`, method: 'DELETE' };
      },
    },
    'GET /admin/authorizations': { expected: ADMIN(200), request: fixed('/admin/authorizations') },
    'PUT /admin/authorizations/{id}/tenant': {
      expected: ADMIN(200),
      request: () =>
        Promise.resolve({
          path: `/admin/authorizations/${authorizationId}/tenant`,
          method: 'PUT',
          body: '{"tenant_id":"matrix"}',
          contentType: 'application/json',
        }),
    },
    'GET /admin/tenants': { expected: ADMIN(200), request: fixed('/admin/tenants') },
    // A new tenant per caller: the admin key's call creates it.
    'PUT /admin/tenants/{tenant_id}': {
      expected: ADMIN(201),
      request: () =>
        Promise.resolve({
          path: `/admin/tenants/put-${++tenantSerial}`,
          method: 'PUT',
          body: '{"name":"Matrix"}',
          contentType: 'application/json',
        }),
    },
    'GET /admin/tenants/{tenant_id}': { expected: ADMIN(200), request: fixed('/admin/tenants/matrix') },
    'DELETE /admin/tenants/{tenant_id}': {
      expected: ADMIN(200),
      request: async () => {
        const id = `offboard-${++tenantSerial}`;
        await createTenant(t, id);
        return { path: `/admin/tenants/${id}`, method: 'DELETE' };
      },
    },
    // The admin key, or a key with the connect permission for the tenant: neither service key has it.
    'POST /v1/connect-sessions': {
      expected: { ...ADMIN(201), 'connect key': 201 },
      request: fixed('/v1/connect-sessions', 'POST', '{"tenant_id":"matrix"}'),
    },
    // A connect link is the merchant's: public, whoever follows it (a fresh link per caller).
    'GET /connect/{token}': { expected: PUBLIC(302), request: async () => ({ path: (await createSession(t, 'matrix')).path }) },
    'GET /auth/connect-demo': { expected: PUBLIC(302), request: fixed('/auth/connect-demo') },
    'GET /admin/audit': { expected: ADMIN(200), request: fixed('/admin/audit') },
    'GET /admin/shops': { expected: ADMIN(200), request: fixed('/admin/shops') },
    'GET /admin/shops/{shop_id}': { expected: ADMIN(200), request: fixed(`/admin/shops/${UK_SHOP}`) },
    'GET /admin/shops/{shop_id}/events': { expected: ADMIN(200), request: fixed(`/admin/shops/${UK_SHOP}/events`) },
    'POST /admin/shops/{shop_id}/refresh': { expected: ADMIN(200), request: fixed(`/admin/shops/${UK_SHOP}/refresh`, 'POST') },
    'DELETE /admin/shops/{shop_id}': {
      expected: ADMIN(200),
      // Refusals never revoke anything, so the shop is only used up by the admin's successful call.
      request: (caller) =>
        Promise.resolve({ path: `/admin/shops/${caller === 'admin key' ? deletableShops.shift() : deletableShops[0]}`, method: 'DELETE' }),
    },
  };

  it('has an expectation for every route of the OpenAPI document, and no other', () => {
    const documented = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.keys(CASES))('%s', async (route) => {
    const { expected, request } = CASES[route];
    const got: Partial<Record<CallerName, number>> = {};
    for (const caller of CALLERS) {
      const { path, method = 'GET', body, contentType } = await request(caller);
      const headers: Record<string, string> = { accept: 'application/json' };
      if (keys[caller]) headers.authorization = `Bearer ${keys[caller]}`;
      if (contentType) headers['content-type'] = contentType;
      const response = await fetch(`${t.baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
      got[caller] = response.status;
      const text = await response.text();
      if (response.status >= 400) {
        // Every refusal is machine-readable.
        expect({ caller, error: (JSON.parse(text) as { error?: unknown }).error }).toEqual({ caller, error: expect.any(String) });
      }
      if (route === 'POST /admin/api-keys' && response.status === 201) recordSecrets([(JSON.parse(text) as { key: string }).key]);
      if (route === 'GET /v1/shops' && caller === 'key for another shop') {
        // A limited key lists only its own shops.
        expect((JSON.parse(text) as { shops: { shop_id: string }[] }).shops.map((shop) => shop.shop_id)).toEqual([UK_OUTLET]);
      }
      if (route === 'GET /v1/shops' && caller === 'tenant key') {
        // A tenant key lists its tenant's shops: UK_SHOP's seller has both UK shops.
        expect((JSON.parse(text) as { shops: { shop_id: string }[] }).shops.map((shop) => shop.shop_id).sort()).toEqual([
          UK_SHOP,
          UK_OUTLET,
        ]);
      }
    }
    expect(got).toEqual(expected);
  });
});
