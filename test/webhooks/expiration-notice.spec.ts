import { Client } from 'pg';
import { consent, UK_SELLER, US_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';
import { deliveryOutcome, notification, UK_OUTLET, UK_SHOP, US_SHOP, WEBHOOK_TEST_ENV, WebhookSender } from './webhook-sender';

const DAY = 86400;

describe('type 7 UPCOMING_AUTHORIZATION_EXPIRATION', () => {
  let t: TestApp;
  let service: KeyClient;
  let webhooks: WebhookSender;

  async function reportedExpiry(openId: string): Promise<Date | null> {
    const [row] = await query<{ reported_expires_at: Date | null }>(
      t.db.url,
      'SELECT reported_expires_at FROM seller_authorizations WHERE open_id = $1',
      [openId],
    );
    return row.reported_expires_at;
  }

  async function expirationNotices(openId: string): Promise<{ shop_id: string; detail: Record<string, unknown> }[]> {
    return query(
      t.db.url,
      "SELECT shop_id, detail FROM authorization_events WHERE type = 'expiration_notice' AND open_id = $1 ORDER BY id",
      [openId],
    );
  }

  async function shopStatuses(): Promise<Record<string, unknown>> {
    const body = (await (await service.get('/v1/shops')).json()) as { shops: { shop_id: string; status: string }[] };
    return Object.fromEntries(body.shops.map((shop) => [shop.shop_id, shop.status]));
  }

  beforeAll(async () => {
    t = await startTestApp(WEBHOOK_TEST_ENV);
    const browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'all shops'));
    webhooks = new WebhookSender(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("records TikTok's announced end and reports every shop of that authorization as expiring", async () => {
    expect(await shopStatuses()).toEqual({ [UK_SHOP]: 'active', [UK_OUTLET]: 'active', [US_SHOP]: 'active' });
    const expiresAt = Math.floor(Date.now() / 1000) + 20 * DAY;
    const delivery = notification(7, UK_SHOP, { message: 'authorization expires soon', expiration_time: String(expiresAt) });
    expect(await webhooks.deliver(delivery)).toBeLessThan(1000);

    const iso = new Date(expiresAt * 1000).toISOString();
    expect((await reportedExpiry(UK_SELLER))?.toISOString()).toBe(iso);
    expect(await reportedExpiry(US_SELLER)).toBeNull();
    expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBe('expiring');
    expect(await expirationNotices(UK_SELLER)).toEqual([{ shop_id: UK_SHOP, detail: { expiration_time: iso } }]);
    expect(await shopStatuses()).toEqual({ [UK_SHOP]: 'expiring', [UK_OUTLET]: 'expiring', [US_SHOP]: 'active' });
    const listed = (await (await service.get('/v1/shops')).json()) as { shops: { shop_id: string; authorization_expires_at: string }[] };
    expect(listed.shops.find((shop) => shop.shop_id === UK_OUTLET)?.authorization_expires_at).toBe(iso);
    // Still served: expiring is a warning, not a refusal.
    expect((await service.get(`/v1/shops/${UK_OUTLET}/token`)).status).toBe(200);
    const admin = (await (await new KeyClient(t.baseUrl, t.adminKey).get('/admin/authorizations?status=expiring')).json()) as {
      authorizations: { open_id: string }[];
    };
    expect(admin.authorizations.map((row) => row.open_id)).toEqual([UK_SELLER]);
  });

  it('accepts expiration_time as a JSON integer too; an end beyond 30 days leaves the shop active', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 60 * DAY;
    await webhooks.deliver(notification(7, US_SHOP, { expiration_time: expiresAt }));
    expect((await reportedExpiry(US_SELLER))?.getTime()).toBe(expiresAt * 1000);
    expect((await shopStatuses())[US_SHOP]).toBe('active');
  });

  it('records a notice delivered concurrently and replayed once', async () => {
    const before = (await expirationNotices(UK_SELLER)).length;
    const bytes = webhooks.bytes(notification(7, UK_OUTLET, { expiration_time: String(Math.floor(Date.now() / 1000) + 19 * DAY) }));
    await Promise.all(Array.from({ length: 6 }, () => webhooks.deliver(bytes)));
    await webhooks.deliver(bytes);
    expect(await expirationNotices(UK_SELLER)).toHaveLength(before + 1);
  });

  it('changes nothing for an expiration_time that is not Unix seconds', async () => {
    const before = await reportedExpiry(UK_SELLER);
    for (const expiration of ['2026-12-01T00:00:00Z', '', '-5', 1.5, null]) {
      const delivery = notification(7, UK_SHOP, { expiration_time: expiration });
      await webhooks.deliver(delivery);
      expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBe('invalid_data');
    }
    expect(await reportedExpiry(UK_SELLER)).toEqual(before);
  });

  it('answers 503 before TikTok gives up when the authorization is locked, finishes the work, and treats the retry as a duplicate', async () => {
    const locker = new Client({ connectionString: t.db.url });
    await locker.connect();
    try {
      // What a refresh does while it waits for a slow TikTok.
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM seller_authorizations WHERE open_id = $1 FOR UPDATE', [US_SELLER]);
      const expiresAt = Math.floor(Date.now() / 1000) + 10 * DAY;
      const delivery = notification(7, US_SHOP, { expiration_time: String(expiresAt) });
      const started = Date.now();
      const busy = await webhooks.send(delivery);
      expect(busy.status).toBe(503);
      expect(await busy.json()).toEqual({
        statusCode: 503,
        error: 'service_unavailable',
        message: expect.any(String),
        retry_after_seconds: 1,
      });
      expect(busy.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBeUndefined();

      await locker.query('COMMIT');
      for (let waited = 0; (await deliveryOutcome(t, delivery.tts_notification_id)) === undefined && waited < 3000; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBe('expiring');
      expect((await reportedExpiry(US_SELLER))?.getTime()).toBe(expiresAt * 1000);
      const notices = (await expirationNotices(US_SELLER)).length;
      await webhooks.deliver(delivery);
      expect(await expirationNotices(US_SELLER)).toHaveLength(notices);
    } finally {
      await locker.end();
    }
  });
});
