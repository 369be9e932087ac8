import http from 'node:http';
import { consent, TWO_APPS, UK_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import {
  databaseState,
  expectError,
  INVALID_SIGNATURE,
  notification,
  sign,
  UK_OUTLET,
  UK_SHOP,
  WEBHOOK_TEST_ENV,
  WebhookSender,
} from './webhook-sender';

const DAY = 86400;

type ShopRow = {
  status: string;
  authorization_status: string;
  reported_expires_at: Date | null;
  has_tokens: boolean;
};

/** Each app's row of the shop, by app id: the same TikTok shop id is one row per app. */
async function rowsOf(t: TestApp, shopId: string): Promise<Record<string, ShopRow>> {
  const rows = await query<ShopRow & { app_key: string }>(
    t.db.url,
    `SELECT s.app_key, s.status, a.status AS authorization_status, a.reported_expires_at,
            (a.access_token IS NOT NULL AND a.refresh_token IS NOT NULL) AS has_tokens
       FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id WHERE s.id = $1`,
    [shopId],
  );
  const idOf = (appKey: string) => t.config.tiktok.apps.find((app) => app.appKey === appKey)?.id ?? appKey;
  return Object.fromEntries(rows.map(({ app_key, ...row }) => [idOf(app_key), row]));
}

async function deliveryApp(t: TestApp, notificationId: unknown): Promise<{ app_key: string | null; outcome: string } | undefined> {
  const [row] = await query<{ app_key: string | null; outcome: string }>(
    t.db.url,
    'SELECT app_key, outcome FROM webhook_deliveries WHERE notification_id = $1',
    [notificationId],
  );
  return row;
}

/** A POST whose body never completes: resolves with the answer the service gives before reading it, or never. */
function openDelivery(
  t: TestApp,
  path: string,
  headers: Record<string, string>,
): { answer: Promise<unknown>; request: http.ClientRequest } {
  const request = http.request(`${t.baseUrl}${path}`, {
    method: 'POST',
    headers: { accept: 'application/json', 'content-type': 'application/json', 'content-length': '100000', ...headers },
  });
  const answer = new Promise((resolve, reject) => {
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({
          status: response.statusCode,
          connection: response.headers.connection,
          body: JSON.parse(Buffer.concat(chunks).toString()) as unknown,
        }),
      );
    });
  });
  request.flushHeaders();
  request.write('{"type":');
  return { answer, request };
}

async function answerBeforeBody(t: TestApp, path: string, headers: Record<string, string>): Promise<unknown> {
  const { answer, request } = openDelivery(t, path, headers);
  let settled: unknown;
  void answer.then(
    (value) => (settled = value),
    () => undefined,
  );
  try {
    // Well before a request timeout could end the request: the answer did not wait for the body.
    await waitFor(() => settled !== undefined, 800, 10);
    expect(request.writableEnded).toBe(false);
    return settled;
  } finally {
    request.destroy();
  }
}

describe('webhooks per app (TIKTOK_APPS=global,us)', () => {
  let t: TestApp;
  let browser: HttpClient;
  let global: WebhookSender;
  let us: WebhookSender;
  let plain: WebhookSender;

  beforeAll(async () => {
    t = await startTestApp({ ...WEBHOOK_TEST_ENV, ...TWO_APPS });
    browser = new HttpClient(t.baseUrl);
    // The same seller consents to both apps: the same two shop ids, once per app.
    expect((await consent(browser, UK_SELLER, 'global')).status).toBe(200);
    expect((await consent(browser, UK_SELLER, 'us')).status).toBe(200);
    global = new WebhookSender(t, 'global');
    us = new WebhookSender(t, 'us');
    plain = new WebhookSender(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("applies a notification to /webhooks/tiktok/us to the us app's row only, though the global app holds the same shop", async () => {
    expect(Object.keys(await rowsOf(t, UK_SHOP)).sort()).toEqual(['global', 'us']);
    const expiresAt = Math.floor(Date.now() / 1000) + 20 * DAY;
    const notice = notification(7, UK_SHOP, { expiration_time: String(expiresAt) });
    await us.deliver(notice);
    const afterNotice = await rowsOf(t, UK_SHOP);
    expect(afterNotice.us.reported_expires_at?.toISOString()).toBe(new Date(expiresAt * 1000).toISOString());
    expect(afterNotice.global.reported_expires_at).toBeNull();
    expect(await deliveryApp(t, notice.tts_notification_id)).toEqual({ app_key: t.config.tiktok.apps[1].appKey, outcome: 'expiring' });

    // The seller deauthorizes the us app: both its shops there, then its authorization; the global app's stay.
    for (const shopId of [UK_SHOP, UK_OUTLET]) {
      const deauthorization = notification(6, shopId, { message: 'the seller deauthorized the us app' });
      await us.deliver(deauthorization);
      expect(await deliveryApp(t, deauthorization.tts_notification_id)).toMatchObject({ outcome: 'revoked' });
    }
    for (const shopId of [UK_SHOP, UK_OUTLET]) {
      expect(await rowsOf(t, shopId)).toEqual({
        global: { status: 'active', authorization_status: 'active', reported_expires_at: null, has_tokens: true },
        us: { status: 'revoked', authorization_status: 'revoked', reported_expires_at: expect.any(Date), has_tokens: false },
      });
    }
    expect((await consent(browser, UK_SELLER, 'us')).status).toBe(200);
    expect((await rowsOf(t, UK_SHOP)).us).toMatchObject({ status: 'active', authorization_status: 'active', has_tokens: true });
    // Counted under the app it was signed for.
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/^tts_webhook_events_total\{type="7",outcome="expiring",app="us"\} 1$/m);
    expect(metrics).toMatch(/^tts_webhook_events_total\{type="6",outcome="revoked",app="us"\} 2$/m);
    expect(metrics).not.toMatch(/^tts_webhook_events_total\{[^}]*app="global"[^}]*\} [1-9]/m);
  });

  it("takes /webhooks/tiktok as the default app's (the first listed), signed with its credentials", async () => {
    const deauthorization = notification(6, UK_OUTLET, { message: 'the seller deauthorized the global app' });
    await plain.deliver(deauthorization);
    expect(await deliveryApp(t, deauthorization.tts_notification_id)).toEqual({
      app_key: t.config.tiktok.apps[0].appKey,
      outcome: 'revoked',
    });
    expect(await rowsOf(t, UK_OUTLET)).toMatchObject({ global: { status: 'revoked' }, us: { status: 'active' } });
    // The global app's other shop is still granted there: the authorization stays.
    expect((await rowsOf(t, UK_SHOP)).global).toMatchObject({ status: 'active', authorization_status: 'active', has_tokens: true });
    expect((await consent(browser, UK_SELLER, 'global')).status).toBe(200);
    expect((await rowsOf(t, UK_OUTLET)).global.status).toBe('active');
  });

  it("refuses a notification signed with another app's credentials with 401, whichever route, and changes nothing", async () => {
    const delivery = notification(6, UK_SHOP, { message: 'the seller deauthorized' });
    const body = us.bytes(delivery);
    const [globalApp, usApp] = t.config.tiktok.apps;
    const signedForUs = sign(usApp.appKey, usApp.appSecret, body);
    const signedForGlobal = sign(globalApp.appKey, globalApp.appSecret, body);
    const before = await databaseState(t);
    for (const [sender, signature] of [
      [global, signedForUs],
      [plain, signedForUs],
      [us, signedForGlobal],
      // One app's key with the other's secret is no app's signature.
      [us, sign(usApp.appKey, globalApp.appSecret, body)],
      [us, sign(globalApp.appKey, usApp.appSecret, body)],
    ] as const) {
      const error = await expectError(await sender.send(body, { signature }), 401, INVALID_SIGNATURE);
      expect(JSON.stringify(error)).not.toContain(signature.slice(0, 16));
    }
    expect(await databaseState(t)).toEqual(before);

    // The same bytes on the route of the app that signed them take effect, on that app's row only.
    const response = await us.send(body, { signature: signedForUs });
    expect(response.status).toBe(200);
    expect(await rowsOf(t, UK_SHOP)).toMatchObject({ global: { status: 'active' }, us: { status: 'revoked' } });
    expect((await consent(browser, UK_SELLER, 'us')).status).toBe(200);
  });

  it('answers 400 unknown_app for an app not configured, before reading the body and without naming the configured apps', async () => {
    const before = await databaseState(t);
    const delivery = notification(6, UK_SHOP);
    // Correctly signed for a configured app: the path is what is wrong.
    const signature = global.signatureOf(delivery);
    for (const path of ['/webhooks/tiktok/eu', '/webhooks/tiktok/US', '/webhooks/tiktok/%E0%A4%A', `/webhooks/tiktok/${'x'.repeat(300)}`]) {
      const response = await new HttpClient(t.baseUrl).request(path, {
        method: 'POST',
        headers: { authorization: signature, 'content-type': 'application/json' },
        body: new Uint8Array(global.bytes(delivery)),
      });
      const error = await expectError(response, 400, 'unknown_app');
      const text = JSON.stringify(error);
      expect(text).not.toContain('global');
      for (const app of t.config.tiktok.apps) expect(text).not.toContain(app.appKey);
    }
    // Unsigned too: the unknown app is said first, and at once.
    for (const headers of [{ authorization: signature }, {}] as Record<string, string>[]) {
      expect(await answerBeforeBody(t, '/webhooks/tiktok/eu', headers)).toEqual({
        status: 400,
        connection: 'close',
        body: {
          statusCode: 400,
          error: 'unknown_app',
          message: 'app "eu" is not configured here (an app id is 1 to 32 characters of a-z, 0-9 and -)',
        },
      });
    }
    expect(await databaseState(t)).toEqual(before);
  });

  it('refuses a delivery to an app route without a well-formed signature with 401 before its body has arrived', async () => {
    for (const headers of [{}, { authorization: 'Bearer abc' }] as Record<string, string>[]) {
      expect(await answerBeforeBody(t, '/webhooks/tiktok/us', headers)).toMatchObject({
        status: 401,
        connection: 'close',
        body: { error: INVALID_SIGNATURE },
      });
    }
  });
});

describe('webhooks per app in a single-app deployment', () => {
  const LIMIT = 4;
  let t: TestApp;

  beforeAll(async () => {
    // Loopback is a trusted proxy here, so that X-Forwarded-For gives the rate limit a client of its own.
    t = await startTestApp({ RATE_LIMIT_WEBHOOKS_PER_MINUTE: String(LIMIT), TRUST_PROXY: 'loopback' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('serves /webhooks/tiktok/default as /webhooks/tiktok, and no other app', async () => {
    const delivery = notification(1);
    await new WebhookSender(t, 'default').deliver(delivery);
    expect(await deliveryApp(t, delivery.tts_notification_id)).toEqual({ app_key: t.config.tiktok.apps[0].appKey, outcome: 'ignored' });
    const other = await new HttpClient(t.baseUrl).request('/webhooks/tiktok/us', {
      method: 'POST',
      headers: { authorization: new WebhookSender(t).signatureOf(delivery) },
      body: JSON.stringify(delivery),
    });
    await expectError(other, 400, 'unknown_app');
  });

  it('keeps the body limit of 256 kB on an app route', async () => {
    const response = await fetch(`${t.baseUrl}/webhooks/tiktok/default`, {
      method: 'POST',
      headers: { accept: 'application/json', authorization: '0'.repeat(64) },
      body: 'x'.repeat(257 * 1024),
    });
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: 'payload_too_large' });
  });

  it('rate limits an app route with the webhooks limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const response = await fetch(`${t.baseUrl}/webhooks/tiktok/default`, {
        method: 'POST',
        headers: { accept: 'application/json', authorization: '0'.repeat(64), 'x-forwarded-for': '203.0.113.9' },
        body: '{}',
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), 429]);
  });
});
