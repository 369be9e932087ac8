import fs from 'node:fs';
import { query } from '../support/database';
import { beginConsent, callbackUrl, clearFaults, consent, injectFault, mintCode, UK_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

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
    expect(body.message).not.toContain(t.config.tiktok.apps[0].appSecret);
    expect(await snapshot(t)).toEqual(before);
    const [event] = await query<{ type: string; detail: Record<string, unknown> }>(
      t.db.url,
      'SELECT type, detail FROM authorization_events ORDER BY id DESC LIMIT 1',
    );
    expect(event.type).toBe('callback_failed');
    expect(JSON.stringify(event.detail)).not.toContain(code);
  });

  it.each([
    ['a made-up code', async () => Promise.resolve('not-a-real-code')],
    ['a code already exchanged', async () => (await consentCode(client)).code],
  ])('answers %s with 400 invalid_code (TikTok 36004004), logged as a warning, and stores nothing new', async (_label, codeOf) => {
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops CASCADE');
    const code = await codeOf();
    const before = await snapshot(t);
    const { state } = await beginConsent(client);
    const response = await client.get(callbackUrl({ code, state }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; message: string };
    expect(body.error).toBe('invalid_code');
    expect(body.message).not.toContain(code);
    expect(await snapshot(t)).toEqual(before);
    const line = await accessLine(t, response.headers.get('x-request-id') ?? '');
    expect([line.level, line.msg]).toEqual([40, 'request completed']);
  });
});

/** A code the emulator issued and the service has exchanged (the consent completed). */
async function consentCode(client: HttpClient): Promise<{ code: string }> {
  const { state } = await beginConsent(client);
  const code = await mintCode(client, UK_SELLER);
  expect((await client.get(callbackUrl({ code, state }))).status).toBe(200);
  return { code };
}

/** The access-log line of one request, from the instance's log file. */
async function accessLine(t: TestApp, requestId: string): Promise<{ level: number; msg: string }> {
  let found: { level: number; msg: string } | undefined;
  await waitFor(() => {
    const file = t.config.log.file;
    const lines = file && fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
    found = lines
      .filter((line) => line.includes(`"id":"${requestId}"`))
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((line) => line.msg.startsWith('request '));
    return found !== undefined;
  }, 5000);
  return found as { level: number; msg: string };
}
