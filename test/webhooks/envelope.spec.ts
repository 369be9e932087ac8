import { consent, US_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { databaseState, deliveryOutcome, expectError, notification, US_SHOP, WEBHOOK_TEST_ENV, WebhookSender } from './webhook-sender';

describe('POST /webhooks/tiktok: the timestamp and the metric label', () => {
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

  async function shopStatus(): Promise<string> {
    const [row] = await query<{ status: string }>(t.db.url, 'SELECT status FROM shops WHERE id = $1', [US_SHOP]);
    return row.status;
  }

  it('refuses a signed deauthorization without a numeric timestamp with 400, and the shop stays active', async () => {
    const before = await databaseState(t);
    const untimed: Record<string, unknown> = { ...notification(6, US_SHOP) };
    delete untimed.timestamp;
    for (const body of [
      untimed,
      { ...untimed, timestamp: null },
      { ...untimed, timestamp: '1700000000' },
      { ...untimed, timestamp: 1.5 },
    ]) {
      await expectError(await webhooks.send(JSON.stringify(body)), 400, 'invalid_request');
    }
    expect(await databaseState(t)).toEqual(before);
    expect(await shopStatus()).toBe('active');
    expect(await deliveryOutcome(t, untimed.tts_notification_id)).toBeUndefined();
  });

  it('labels webhook counts by documented type, and every other type as `other`', async () => {
    for (const type of [1, 4, 123456789, -5]) await webhooks.deliver(notification(type));
    await webhooks.deliver(notification(7, US_SHOP, {}));
    const metrics = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const types = [...metrics.matchAll(/^tts_webhook_events_total\{[^}]*type="([^"]*)"/gm)].map((match) => match[1]);
    expect([...new Set(types)].sort()).toEqual(['7', 'other']);
    expect(metrics).toMatch(/^tts_webhook_events_total\{[^}]*type="other"[^}]*\} 4$/m);
  });
});
