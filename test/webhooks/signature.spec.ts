import { createHmac } from 'node:crypto';
import { consent, US_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import {
  databaseState,
  deliveryOutcome,
  expectError,
  INVALID_SIGNATURE,
  notification,
  sign,
  UNKNOWN_SHOP,
  US_SHOP,
  WEBHOOK_TEST_ENV,
  WebhookSender,
} from './webhook-sender';

describe('POST /webhooks/tiktok: signature and envelope', () => {
  let t: TestApp;
  let webhooks: WebhookSender;

  beforeAll(async () => {
    t = await startTestApp(WEBHOOK_TEST_ENV);
    expect((await consent(new HttpClient(t.baseUrl), US_SELLER)).status).toBe(200);
    webhooks = new WebhookSender(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it('accepts a delivery signed by hand per the documented algorithm, with no API key, and answers 200 with an empty body', async () => {
    // Not JSON.stringify's output: the signature covers the bytes exactly as sent (spacing, non-ASCII).
    const id = `hand-signed-${Date.now()}`;
    const body = Buffer.from(
      `{ "type": 1,\n  "tts_notification_id": "${id}", "shop_id": "${US_SHOP}",\n  "timestamp": ${Math.floor(Date.now() / 1000)}, "data": { "message": "Händler ✓" } }`,
      'utf8',
    );
    const signature = createHmac('sha256', t.config.tiktok.apps[0].appSecret)
      .update(t.config.tiktok.apps[0].appKey)
      .update(body)
      .digest('hex');
    const response = await webhooks.send(body, { signature });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
    expect(await deliveryOutcome(t, id)).toBe('ignored');
  });

  it('verifies the raw bytes whatever the content type says', async () => {
    for (const contentType of ['application/json; charset=utf-8', 'text/plain', null]) {
      const delivery = notification(1);
      const response = await webhooks.send(delivery, { contentType });
      expect(response.status).toBe(200);
      expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBe('ignored');
    }
  });

  it('refuses a changed byte, a wrong key, a Bearer prefix, upper-case hex or a missing header with 401, and changes nothing', async () => {
    const delivery = notification(6, US_SHOP, { message: 'the seller deauthorized' });
    const body = webhooks.bytes(delivery);
    const good = webhooks.signatureOf(body);
    const changed = Buffer.from(body);
    changed[body.indexOf(US_SHOP) + US_SHOP.length - 1] ^= 1; // ...0101 -> ...0100
    const { appKey, appSecret } = t.config.tiktok.apps[0];
    const attempts: { name: string; body: Buffer; signature: string | null }[] = [
      { name: 'changed byte', body: changed, signature: good },
      { name: 'wrong secret', body, signature: sign(appKey, `${appSecret}x`, body) },
      { name: 'wrong app key', body, signature: sign(`${appKey}x`, appSecret, body) },
      { name: 'body without app key', body, signature: createHmac('sha256', appSecret).update(body).digest('hex') },
      { name: 'Bearer prefix', body, signature: `Bearer ${good}` },
      { name: 'upper-case hex', body, signature: good.toUpperCase() },
      { name: 'truncated', body, signature: good.slice(0, 63) },
      { name: 'empty header', body, signature: '' },
      { name: 'missing header', body, signature: null },
    ];
    const before = await databaseState(t);
    for (const attempt of attempts) {
      const response = await webhooks.send(attempt.body, { signature: attempt.signature });
      const error = await expectError(response, 401, INVALID_SIGNATURE);
      expect(JSON.stringify(error)).not.toContain(good.slice(0, 16));
    }
    expect(await databaseState(t)).toEqual(before);

    // The very same bytes, correctly signed, do take effect: the refusals above were the signature's doing.
    await webhooks.deliver(body);
    const [shop] = await query<{ status: string }>(t.db.url, 'SELECT status FROM shops WHERE id = $1', [US_SHOP]);
    expect(shop.status).toBe('revoked');
    expect((await consent(new HttpClient(t.baseUrl), US_SELLER)).status).toBe(200);
  });

  it('checks the signature before reading the body: malformed JSON with a bad signature is 401', async () => {
    await expectError(await webhooks.send('{"type":', { signature: 'f'.repeat(64) }), 401, INVALID_SIGNATURE);
    await expectError(await webhooks.send('', { signature: null }), 401, INVALID_SIGNATURE);
  });

  it('answers 400 for a validly signed body that is not JSON or has no usable envelope, and records nothing', async () => {
    const before = await databaseState(t);
    await expectError(await webhooks.send('{"type": 6, "tts_notification_id": '), 400, 'invalid_json');
    await expectError(await webhooks.send(''), 400, 'invalid_json');
    await expectError(await webhooks.send(Buffer.from([0x7b, 0xff, 0x7d])), 400, 'invalid_json');
    await expectError(await webhooks.send('[]'), 400, 'invalid_request');
    await expectError(await webhooks.send({ ...notification(6, US_SHOP), tts_notification_id: undefined }), 400, 'invalid_request');
    await expectError(await webhooks.send({ ...notification(6, US_SHOP), tts_notification_id: 42 }), 400, 'invalid_request');
    await expectError(await webhooks.send({ ...notification(6, US_SHOP), type: '6' }), 400, 'invalid_request');
    expect(await databaseState(t)).toEqual(before);
  });

  it('answers 200 for an unknown type, an unknown shop or unusable data, recording each outcome', async () => {
    const before = await databaseState(t);
    const cases: [ReturnType<typeof notification>, string][] = [
      [notification(4, US_SHOP), 'ignored'],
      [notification(6, UNKNOWN_SHOP), 'unknown_shop'],
      [notification(7, UNKNOWN_SHOP, { expiration_time: '1900000000' }), 'unknown_shop'],
      [notification(6), 'invalid_data'],
      [notification(7, US_SHOP, { expiration_time: 'next month' }), 'invalid_data'],
      [notification(7, US_SHOP, {}), 'invalid_data'],
    ];
    for (const [delivery, outcome] of cases) {
      await webhooks.deliver(delivery);
      expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBe(outcome);
    }
    const after = (await databaseState(t)) as Record<string, unknown>;
    expect({ ...after, deliveries: null }).toEqual({ ...(before as Record<string, unknown>), deliveries: null });
  });

  it('answers well within TikTok’s 3 seconds', async () => {
    for (const delivery of [
      notification(1),
      notification(6, UNKNOWN_SHOP),
      notification(7, US_SHOP, { expiration_time: String(Math.floor(Date.now() / 1000) + 90 * 86400) }),
    ]) {
      expect(await webhooks.deliver(delivery)).toBeLessThan(1000);
    }
  });
});
