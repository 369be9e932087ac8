import { query } from '../support/database';
import { beginConsent, callbackUrl, clearFaults, consent, injectFault, mintCode, UK_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

interface Snapshot {
  authorizations: unknown[];
  shops: unknown[];
}

async function snapshot(t: TestApp): Promise<Snapshot> {
  return {
    authorizations: await query(t.db.url, 'SELECT * FROM seller_authorizations ORDER BY id'),
    shops: await query(t.db.url, 'SELECT * FROM shops ORDER BY id'),
  };
}

describe('TikTok failures during the callback', () => {
  let t: TestApp;
  let client: HttpClient;

  beforeAll(async () => {
    t = await startTestApp({ TIKTOK_HTTP_TIMEOUT_MS: '500' });
    client = new HttpClient(t.baseUrl);
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await clearFaults(client);
  });

  const cases: [string, Record<string, unknown>][] = [
    ['token exchange HTTP 500', { endpoint: 'token_get', type: 'http_500' }],
    ['token exchange timeout', { endpoint: 'token_get', type: 'timeout', delay_ms: 1500 }],
    ['token exchange rate limited', { endpoint: 'token_get', type: 'rate_limit' }],
    ['token exchange HTML page', { endpoint: 'token_get', type: 'html' }],
    ['token exchange malformed JSON', { endpoint: 'token_get', type: 'bad_json' }],
    ['token exchange error code', { endpoint: 'token_get', type: 'error_code', code: 36009004, message: 'bad auth code' }],
    ['token exchange without expiry', { endpoint: 'token_get', type: 'missing_expiry' }],
    ['token exchange with a past expiry', { endpoint: 'token_get', type: 'past_expiry' }],
    ['shop list HTTP 503', { endpoint: 'shops', type: 'http_503' }],
    ['shop list timeout', { endpoint: 'shops', type: 'timeout', delay_ms: 1500 }],
    ['shop list error code', { endpoint: 'shops', type: 'error_code', code: 105001, message: 'invalid token' }],
    ['shop list malformed JSON', { endpoint: 'shops', type: 'bad_json' }],
  ];

  it.each(cases)('%s: 502 tiktok_error and nothing stored or changed', async (_label, fault) => {
    await consent(client, UK_SELLER);
    const before = await snapshot(t);
    const { state } = await beginConsent(client);
    const code = await mintCode(client, UK_SELLER);
    await injectFault(client, fault);
    const response = await client.get(callbackUrl({ code, state }));
    expect(response.status).toBe(502);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('tiktok_error');
    expect(body.message).not.toContain(code);
    expect(body.message).not.toContain(t.config.tiktok.appSecret);
    expect(await snapshot(t)).toEqual(before);
    const [event] = await query<{ type: string; detail: Record<string, unknown> }>(
      t.db.url,
      'SELECT type, detail FROM authorization_events ORDER BY id DESC LIMIT 1',
    );
    expect(event.type).toBe('callback_failed');
    expect(JSON.stringify(event.detail)).not.toContain(code);
  });

  it('rejects an unknown code with tiktok_error and stores nothing', async () => {
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops');
    const { state } = await beginConsent(client);
    const response = await client.get(callbackUrl({ code: 'not-a-real-code', state }));
    expect(response.status).toBe(502);
    expect(await query(t.db.url, 'SELECT id FROM seller_authorizations')).toEqual([]);
  });
});
