import { consent, US_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { deliveryOutcome, notification, US_SHOP, WEBHOOK_TEST_ENV, WebhookSender } from './webhook-sender';

const DAY = 86400;
/** RETENTION_WEBHOOKS_DAYS by default. */
const RETENTION_DAYS = 30;

describe('POST /webhooks/tiktok: the timestamp window that keeps deleted de-duplication rows from reopening replays', () => {
  let t: TestApp;
  let webhooks: WebhookSender;

  const now = (): number => Math.floor(Date.now() / 1000);

  async function shopStatus(): Promise<string> {
    const [row] = await query<{ status: string }>(t.db.url, 'SELECT status FROM shops WHERE id = $1', [US_SHOP]);
    return row.status;
  }

  async function ignoredEvents(
    notificationId: unknown,
  ): Promise<{ shop_id: string | null; authorization_id: string | null; detail: unknown }[]> {
    return query(
      t.db.url,
      "SELECT shop_id, authorization_id, detail FROM authorization_events WHERE type = 'webhook_ignored' AND detail->>'notification_id' = $1",
      [notificationId],
    );
  }

  async function metric(outcome: string): Promise<number> {
    const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
    const match = new RegExp(`^tts_webhook_events_total\\{type="6",outcome="${outcome}",app="default"\\} (\\d+)$`, 'm').exec(text);
    return match ? Number(match[1]) : 0;
  }

  beforeAll(async () => {
    t = await startTestApp(WEBHOOK_TEST_ENV);
    expect((await consent(new HttpClient(t.baseUrl), US_SELLER)).status).toBe(200);
    // The consent dates from before every timestamp below, so none of them is merely a stale retry.
    await query(t.db.url, "UPDATE seller_authorizations SET last_granted_at = now() - interval '40 days'");
    webhooks = new WebhookSender(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['older than RETENTION_WEBHOOKS_DAYS', () => now() - RETENTION_DAYS * DAY - 60, 'timestamp_too_old'],
    ['more than 5 minutes ahead', () => now() + 6 * 60, 'timestamp_in_future'],
  ])('answers a signed deauthorization stamped %s with 200, ignores it and records an event, once', async (_label, timestamp, reason) => {
    const before = await metric('outside_window');
    const delivery = { ...notification(6, US_SHOP, { message: 'Seller deauthorized the app' }), timestamp: timestamp() };
    await webhooks.deliver(delivery);
    expect(await shopStatus()).toBe('active');
    expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBe('outside_window');
    expect(await ignoredEvents(delivery.tts_notification_id)).toEqual([
      {
        shop_id: US_SHOP,
        authorization_id: null,
        detail: { reason, type: 6, notification_id: delivery.tts_notification_id, timestamp: delivery.timestamp, app: 'default' },
      },
    ]);
    expect(await metric('outside_window')).toBe(before + 1);

    // Sent again: a duplicate, with no second event.
    const duplicates = await metric('duplicate');
    await webhooks.deliver(delivery);
    expect(await ignoredEvents(delivery.tts_notification_id)).toHaveLength(1);
    expect(await metric('duplicate')).toBe(duplicates + 1);
    expect(await shopStatus()).toBe('active');
  });

  it('applies notifications just inside both edges', async () => {
    const expiring = {
      ...notification(7, US_SHOP, { message: 'expires soon', expiration_time: String(now() + 20 * DAY) }),
      timestamp: now() + 4 * 60,
    };
    await webhooks.deliver(expiring);
    expect(await deliveryOutcome(t, expiring.tts_notification_id)).toBe('expiring');

    const deauthorized = {
      ...notification(6, US_SHOP, { message: 'Seller deauthorized the app' }),
      timestamp: now() - RETENTION_DAYS * DAY + 120,
    };
    await webhooks.deliver(deauthorized);
    expect(await deliveryOutcome(t, deauthorized.tts_notification_id)).toBe('revoked');
    expect(await shopStatus()).toBe('revoked');
    expect(await ignoredEvents(expiring.tts_notification_id)).toEqual([]);
    expect(await ignoredEvents(deauthorized.tts_notification_id)).toEqual([]);
  });
});
