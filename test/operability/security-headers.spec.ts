import { startTestApp, TestApp } from '../support/test-app';
import { KeyClient } from '../support/tokens';

const PAGE_CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
];

function directives(response: Response): string[] {
  return (response.headers.get('content-security-policy') ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean)
    .sort();
}

describe('security headers (helmet) and body limits', () => {
  let t: TestApp;
  let admin: KeyClient;

  beforeAll(async () => {
    t = await startTestApp();
    admin = new KeyClient(t.baseUrl, t.adminKey);
  });
  afterAll(async () => {
    await t.close();
  });

  function expectHardened(response: Response): void {
    expect(directives(response)).toEqual([...PAGE_CSP].sort());
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(response.headers.get('x-powered-by')).toBeNull();
    // Plain http here: HSTS only when PUBLIC_BASE_URL is https.
    expect(response.headers.get('strict-transport-security')).toBeNull();
  }

  it('sends them on pages, API answers and errors alike', async () => {
    expectHardened(await fetch(`${t.baseUrl}/`, { headers: { accept: 'text/html' } }));
    expectHardened(await admin.get('/admin/shops'));
    expectHardened(await fetch(`${t.baseUrl}/v1/shops`));
    expectHardened(await fetch(`${t.baseUrl}/no-such-route`));
  });

  it('relaxes the policy only as far as Swagger UI needs, only under /docs', async () => {
    const docs = directives(await fetch(`${t.baseUrl}/docs`));
    expect(docs).toEqual(
      expect.arrayContaining([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
      ]),
    );
    expect(docs.join(';')).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline|\*/);
    expectHardened(await fetch(`${t.baseUrl}/docs-json`));
    expectHardened(await fetch(`${t.baseUrl}/docsx`));
  });

  it('keeps the body limits: 64 kB JSON, 16 kB forms, 256 kB webhooks, each refused with headers', async () => {
    const json = await admin.request('/admin/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x'.repeat(65 * 1024) }),
    });
    expect(json.status).toBe(413);
    expect(await json.json()).toMatchObject({ error: 'payload_too_large' });
    expectHardened(json);
    const form = await fetch(`${t.baseUrl}/sandbox/open/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: `x=${'a'.repeat(17 * 1024)}`,
    });
    expect(form.status).toBe(413);
    // A signature header of the right form (a missing one is refused before the body is read).
    const webhook = await fetch(`${t.baseUrl}/webhooks/tiktok`, {
      method: 'POST',
      headers: { accept: 'application/json', authorization: '0'.repeat(64) },
      body: 'x'.repeat(257 * 1024),
    });
    expect(webhook.status).toBe(413);
    expect(await webhook.json()).toMatchObject({ error: 'payload_too_large' });
  });
});
