import { consent, UK_SELLER, US_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';
import {
  deliveryOutcome,
  expectError,
  notification,
  UK_OUTLET,
  UK_SHOP,
  UNKNOWN_SHOP,
  US_SHOP,
  WEBHOOK_TEST_ENV,
  WebhookSender,
} from './webhook-sender';

describe('type 6 SELLER_DEAUTHORIZATION', () => {
  let t: TestApp;
  let browser: HttpClient;
  let service: KeyClient;
  let webhooks: WebhookSender;

  async function shopStatus(shopId: string): Promise<string> {
    const [row] = await query<{ status: string }>(t.db.url, 'SELECT status FROM shops WHERE id = $1', [shopId]);
    return row.status;
  }

  async function authorization(openId: string): Promise<{ status: string; access_token: string | null; refresh_token: string | null }> {
    const [row] = await query<{ status: string; access_token: string | null; refresh_token: string | null }>(
      t.db.url,
      'SELECT status, access_token, refresh_token FROM seller_authorizations WHERE open_id = $1',
      [openId],
    );
    return row;
  }

  async function shopRevokedEvents(shopId: string): Promise<number> {
    const [row] = await query<{ count: number }>(
      t.db.url,
      "SELECT count(*)::int AS count FROM authorization_events WHERE type = 'shop_revoked' AND shop_id = $1",
      [shopId],
    );
    return row.count;
  }

  async function reconsent(openId: string): Promise<void> {
    expect((await consent(browser, openId)).status).toBe(200);
  }

  beforeAll(async () => {
    // Two revocation slots: concurrent duplicates really meet in the database, and 2 x 2 connections stay below the pool.
    t = await startTestApp({ ...WEBHOOK_TEST_ENV, DATABASE_POOL_SIZE: '8' });
    browser = new HttpClient(t.baseUrl);
    await reconsent(UK_SELLER);
    await reconsent(US_SELLER);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'all shops'));
    webhooks = new WebhookSender(t);
  });
  afterAll(async () => {
    await t.close();
  });

  it("revokes a seller's only shop and its authorization: tokens destroyed, 409 until a new consent", async () => {
    expect((await service.get(`/v1/shops/${US_SHOP}/token`)).status).toBe(200);
    const delivery = notification(6, US_SHOP, { message: 'Seller deauthorized the app' });
    expect(await webhooks.deliver(delivery)).toBeLessThan(1000);

    expect(await shopStatus(US_SHOP)).toBe('revoked');
    expect(await authorization(US_SELLER)).toEqual({ status: 'revoked', access_token: null, refresh_token: null });
    expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBe('revoked');
    const events = await query<{ type: string; shop_id: string | null; detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT type, shop_id, detail FROM authorization_events WHERE open_id = $1 AND type IN ('shop_revoked', 'revoked') ORDER BY id",
      [US_SELLER],
    );
    expect(events).toEqual([
      { type: 'shop_revoked', shop_id: US_SHOP, detail: expect.objectContaining({ source: 'webhook', reason: 'seller_deauthorized' }) },
      { type: 'revoked', shop_id: null, detail: expect.objectContaining({ source: 'webhook', last_shop_id: US_SHOP }) },
    ]);
    await expectError(await service.get(`/v1/shops/${US_SHOP}/token`), 409, 'reauthorization_required');

    await reconsent(US_SELLER);
    expect((await service.get(`/v1/shops/${US_SHOP}/token`)).status).toBe(200);
  });

  it('revokes only the named shop of a seller with two: the other keeps its tokens', async () => {
    await webhooks.deliver(notification(6, UK_SHOP));
    await expectError(await service.get(`/v1/shops/${UK_SHOP}/token`), 409, 'reauthorization_required');
    expect((await service.get(`/v1/shops/${UK_OUTLET}/token`)).status).toBe(200);
    expect(await authorization(UK_SELLER)).toMatchObject({
      status: 'active',
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    expect(await shopStatus(UK_OUTLET)).toBe('active');

    await reconsent(UK_SELLER);
    expect((await service.get(`/v1/shops/${UK_SHOP}/token`)).status).toBe(200);
  });

  it('ignores a replay of a notification already applied, even after the seller consented again', async () => {
    const delivery = notification(6, US_SHOP);
    const bytes = webhooks.bytes(delivery);
    await webhooks.deliver(bytes);
    expect(await shopStatus(US_SHOP)).toBe('revoked');
    await reconsent(US_SELLER);
    const events = await shopRevokedEvents(US_SHOP);

    // TikTok retries with the very same bytes and signature.
    await webhooks.deliver(bytes);
    expect(await shopStatus(US_SHOP)).toBe('active');
    expect((await authorization(US_SELLER)).status).toBe('active');
    expect((await service.get(`/v1/shops/${US_SHOP}/token`)).status).toBe(200);
    expect(await shopRevokedEvents(US_SHOP)).toBe(events);
    expect(await deliveryOutcome(t, delivery.tts_notification_id)).toBe('revoked');
  });

  it('applies concurrent duplicate deliveries exactly once', async () => {
    const events = await shopRevokedEvents(UK_OUTLET);
    const bytes = webhooks.bytes(notification(6, UK_OUTLET));
    const responses = await Promise.all(Array.from({ length: 8 }, () => webhooks.send(bytes)));
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('');
    }
    expect(await shopRevokedEvents(UK_OUTLET)).toBe(events + 1);
    const [deliveries] = await query<{ count: number }>(
      t.db.url,
      'SELECT count(*)::int AS count FROM webhook_deliveries WHERE shop_id = $1',
      [UK_OUTLET],
    );
    expect(deliveries.count).toBe(1);
    expect(await shopStatus(UK_OUTLET)).toBe('revoked');
    expect((await authorization(UK_SELLER)).status).toBe('active');
    await reconsent(UK_SELLER);
  });

  it('revokes the authorization when its shops are deauthorized at the same moment, and handles a burst without exhausting the pool', async () => {
    const burst = [
      notification(6, UK_SHOP),
      notification(6, UK_OUTLET),
      ...Array.from({ length: 10 }, () => notification(6, UNKNOWN_SHOP)),
      ...Array.from({ length: 10 }, (_, index) => notification(index % 2 === 0 ? 1 : 7, US_SHOP, { expiration_time: 'invalid' })),
    ];
    const started = Date.now();
    const responses = await Promise.all(burst.map((delivery) => webhooks.send(delivery)));
    expect(responses.map((response) => response.status)).toEqual(burst.map(() => 200));
    expect(Date.now() - started).toBeLessThan(2500);
    expect(await shopStatus(UK_SHOP)).toBe('revoked');
    expect(await shopStatus(UK_OUTLET)).toBe('revoked');
    expect(await authorization(UK_SELLER)).toEqual({ status: 'revoked', access_token: null, refresh_token: null });
    expect(await shopStatus(US_SHOP)).toBe('active');
    await reconsent(UK_SELLER);
  });
});
