import { startTestApp, TestApp } from '../support/test-app';
import { KeyClient } from '../support/tokens';

const LIMIT = 3;
const WEBHOOK_LIMIT = LIMIT * 3;

describe('rate limiting of the public routes', () => {
  let t: TestApp;
  let admin: KeyClient;

  beforeAll(async () => {
    // The test connects over loopback, here a trusted proxy: X-Forwarded-For names the client.
    t = await startTestApp({
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      RATE_LIMIT_WEBHOOKS_PER_MINUTE: String(WEBHOOK_LIMIT),
      TRUST_PROXY: 'loopback',
    });
    admin = new KeyClient(t.baseUrl, t.adminKey);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A request from `client`, as the trusted proxy on loopback reports it. */
  function from(client: string, path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${t.baseUrl}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { accept: 'application/json', 'x-forwarded-for': client, ...init.headers },
    });
  }

  it('answers 429 too_many_requests with Retry-After to the request over the limit on /auth/tiktok', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await from('203.0.113.1', '/auth/tiktok')).status).toBe(302);
    const refused = await from('203.0.113.1', '/auth/tiktok');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ statusCode: 429, error: 'too_many_requests', message: expect.stringContaining('retry') });
    // Refused requests do not reach the handler: no state, no cookie.
    expect(refused.headers.getSetCookie()).toEqual([]);
  });

  it('counts each client address on its own', async () => {
    expect((await from('203.0.113.2', '/auth/tiktok')).status).toBe(302);
    expect((await from('203.0.113.1', '/auth/tiktok')).status).toBe(429);
  });

  it('limits the webhooks route too, with its own higher limit', async () => {
    // A signature of the right form, but wrong: without one the delivery is refused before the limit counts it.
    const headers = { authorization: '0'.repeat(64) };
    const statuses: number[] = [];
    for (let i = 0; i <= WEBHOOK_LIMIT; i++)
      statuses.push((await from('203.0.113.3', '/webhooks/tiktok', { method: 'POST', body: '{}', headers })).status);
    expect(statuses.slice(0, WEBHOOK_LIMIT)).not.toContain(429);
    expect(statuses[WEBHOOK_LIMIT]).toBe(429);
  });

  it('limits connect links too (an unknown one counts as well), but not the creation of sessions (/v1)', async () => {
    const link = `/connect/${'A'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) statuses.push((await from('203.0.113.5', link)).status);
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(400), 429]);
    for (let i = 0; i <= LIMIT; i++) {
      const response = await admin.request('/v1/connect-sessions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.5' },
        body: JSON.stringify({ tenant_id: 'no-such-tenant' }),
      });
      expect(response.status).toBe(404);
    }
  });

  it('does not limit /v1, /admin, /auth/status, /health or /docs', async () => {
    for (const path of ['/v1/shops', '/admin/shops', '/auth/status', '/health/live', '/docs-json']) {
      for (let i = 0; i < LIMIT * 2; i++) {
        const response = await admin.request(path, { headers: { 'x-forwarded-for': '203.0.113.4' } });
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
        await response.arrayBuffer();
      }
    }
  });
});
