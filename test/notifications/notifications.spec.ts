import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { RefreshScheduler } from '../../src/tokens/refresh.scheduler';
import { notification, WebhookSender } from '../webhooks/webhook-sender';
import { query } from '../support/database';
import { waitFor } from '../support/wait';
import { consent, sandboxControl, TWO_APPS, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

const SECRET = 'notify-secret-for-tests-0123456789';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 that records deliveries and can refuse the next N. */
async function startReceiver(): Promise<{ url: string; received: Received[]; failNext: (n: number) => void; close: () => Promise<void> }> {
  const received: Received[] = [];
  let failures = 0;
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      if (failures > 0) {
        failures -= 1;
        response.writeHead(503).end();
        return;
      }
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    failNext: (n) => (failures = n),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Until the outbox holds nothing left to deliver, and the receiver has every delivery the outbox recorded. */
async function outboxDrained(t: TestApp, receiver: { received: unknown[] }): Promise<void> {
  await waitFor(async () => {
    const [{ pending, delivered }] = await query<{ pending: number; delivered: number }>(
      t.db.url,
      `SELECT count(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE delivered_at IS NOT NULL)::int AS delivered FROM notification_outbox`,
    );
    return pending === 0 && receiver.received.length >= delivered;
  }, 8000);
}

describe('status notifications to other systems', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let browser: HttpClient;
  let service: KeyClient;

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({
      NOTIFY_WEBHOOK_URL: receiver.url,
      NOTIFY_WEBHOOK_SECRET: SECRET,
      NOTIFY_POLL_MS: '100',
      NOTIFY_MAX_ATTEMPTS: '5',
    });
    browser = new HttpClient(t.baseUrl);
    await consent(browser, UK_SELLER);
    await consent(browser, US_SELLER);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'svc'));
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  const events = () =>
    receiver.received.map((delivery) => JSON.parse(delivery.body) as { id: string; type: string; data: Record<string, unknown> });

  it('announces reauthorization_required, signed, and retries a receiver that fails', async () => {
    receiver.failNext(2);
    await sandboxControl(browser, `authorizations/${US_SELLER}/revoke`, {});
    await query(t.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '1 minute' WHERE open_id = $1", [
      US_SELLER,
    ]);
    // The token API answers at once, whatever the receiver does.
    expect((await service.get('/v1/shops/7000000000000101/token')).status).toBe(409);
    await waitFor(() => receiver.received.length === 1, 15000);
    const [delivery] = receiver.received;
    const timestamp = String(delivery.headers['x-tts-timestamp']);
    const expected = `sha256=${createHmac('sha256', SECRET).update(`${timestamp}.${delivery.body}`).digest('hex')}`;
    expect(delivery.headers['x-tts-signature']).toBe(expected);
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    const [event] = events();
    expect(delivery.headers['x-tts-event-id']).toBe(event.id);
    expect(event).toMatchObject({
      type: 'authorization.status_changed',
      data: { status: 'reauthorization_required', previous_status: 'active', open_id: US_SELLER, shop_ids: ['7000000000000101'] },
    });
    expect(delivery.body).not.toMatch(/SBX[AR]_/);
    const [row] = await query<{ attempts: number; delivered: boolean }>(
      t.db.url,
      'SELECT attempts, delivered_at IS NOT NULL AS delivered FROM notification_outbox',
    );
    expect(row).toEqual({ attempts: 3, delivered: true });
  });

  it('announces the recovery to active after a new consent, and a revocation', async () => {
    await consent(browser, US_SELLER);
    await waitFor(() => events().some((event) => event.data.status === 'active'), 8000);
    expect(events().find((event) => event.data.status === 'active')?.data).toMatchObject({
      previous_status: 'reauthorization_required',
      open_id: US_SELLER,
    });

    const admin = new KeyClient(t.baseUrl, t.adminKey);
    expect((await admin.request('/admin/shops/7000000000000002', { method: 'DELETE' })).status).toBe(200);
    await waitFor(() => events().some((event) => event.data.status === 'revoked'), 8000);
    expect(events().find((event) => event.data.status === 'revoked')?.data).toMatchObject({
      shop_ids: ['7000000000000002'],
      open_id: UK_SELLER,
    });
  });

  it('gives up after NOTIFY_MAX_ATTEMPTS without ever blocking anything', async () => {
    receiver.failNext(1000);
    const [{ event_id: eventId }] = await query<{ event_id: string }>(
      t.db.url,
      "INSERT INTO notification_outbox (event_id, type, payload, attempts) VALUES (gen_random_uuid(), 'authorization.status_changed', '{}'::jsonb, 4) RETURNING event_id",
    );
    const state = async () =>
      (
        await query<{ failed: boolean; attempts: number }>(
          t.db.url,
          'SELECT failed_at IS NOT NULL AS failed, attempts FROM notification_outbox WHERE event_id = $1',
          [eventId],
        )
      )[0];
    await waitFor(async () => (await state()).failed, 5000).catch(() => undefined);
    expect(await state()).toEqual({ failed: true, attempts: 5 });
    receiver.failNext(0);
    expect((await service.get('/v1/shops/7000000000000001/token')).status).toBe(200);
  });
});

describe('expiring announcements', () => {
  it('announces once when an authorization enters its last 30 days', async () => {
    const receiver = await startReceiver();
    const t = await startTestApp({ NOTIFY_WEBHOOK_URL: receiver.url, NOTIFY_WEBHOOK_SECRET: SECRET, NOTIFY_POLL_MS: '100' });
    try {
      const browser = new HttpClient(t.baseUrl);
      await consent(browser, UK_SELLER);
      const scheduler = t.app.get(RefreshScheduler);
      await scheduler.runOnce();
      await query(t.db.url, "UPDATE seller_authorizations SET refresh_token_expires_at = now() + interval '20 days'");
      await scheduler.runOnce();
      await scheduler.runOnce();
      const expiring = () =>
        receiver.received
          .map((delivery) => JSON.parse(delivery.body) as { data: { status: string; open_id: string } })
          .filter((event) => event.data.status === 'expiring');
      await waitFor(() => expiring().length === 1, 8000);
      // Everything the outbox holds is delivered: no second announcement is on its way.
      await outboxDrained(t, receiver);
      expect(expiring()).toHaveLength(1);
      expect(expiring()[0].data.open_id).toBe(UK_SELLER);
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});

describe('announcements from webhooks and re-consents', () => {
  it('announces a type 7 notice once, then the recovery; a single revoked shop recovering too', async () => {
    const receiver = await startReceiver();
    const t = await startTestApp({ NOTIFY_WEBHOOK_URL: receiver.url, NOTIFY_WEBHOOK_SECRET: SECRET, NOTIFY_POLL_MS: '100' });
    try {
      const browser = new HttpClient(t.baseUrl);
      await consent(browser, UK_SELLER);
      const statuses = () =>
        receiver.received.map(
          (delivery) => (JSON.parse(delivery.body) as { data: { status: string; shop_ids: string[]; previous_status: string } }).data,
        );
      const webhooks = new WebhookSender(t);
      const soon = String(Math.floor(Date.now() / 1000) + 10 * 86400);
      // TikTok repeats the notice daily: one announcement only.
      await webhooks.deliver(notification(7, '7000000000000001', { expiration_time: soon }));
      await webhooks.deliver(notification(7, '7000000000000001', { expiration_time: soon }));
      await waitFor(() => statuses().length === 1, 8000);
      await outboxDrained(t, receiver);
      expect(statuses()).toEqual([expect.objectContaining({ status: 'expiring', shop_ids: ['7000000000000001', '7000000000000002'] })]);

      // The seller renews: announced as active again.
      await consent(browser, UK_SELLER);
      await waitFor(() => statuses().length === 2, 8000);
      expect(statuses()[1]).toMatchObject({ status: 'active', previous_status: 'expiring' });

      // One shop revoked, then granted again by a new consent.
      const admin = new KeyClient(t.baseUrl, t.adminKey);
      expect((await admin.request('/admin/shops/7000000000000002', { method: 'DELETE' })).status).toBe(200);
      await consent(browser, UK_SELLER);
      await waitFor(() => statuses().length === 4, 8000);
      expect(statuses().slice(2)).toEqual([
        expect.objectContaining({ status: 'revoked', shop_ids: ['7000000000000002'] }),
        expect.objectContaining({ status: 'active', previous_status: 'revoked', shop_ids: ['7000000000000002'] }),
      ]);

      // A shop that TikTok had deauthorized recovers as deauthorized -> active, not as once revoked.
      await query(t.db.url, "UPDATE shops SET status = 'deauthorized' WHERE id = '7000000000000002'");
      await consent(browser, UK_SELLER);
      await waitFor(() => statuses().length === 5, 8000);
      expect(statuses()[4]).toMatchObject({ status: 'active', previous_status: 'deauthorized', shop_ids: ['7000000000000002'] });
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});

describe('announcements with two apps', () => {
  it("names the authorization's app: a us seller's re-consent need and expiry say app us", async () => {
    const receiver = await startReceiver();
    const t = await startTestApp({ ...TWO_APPS, NOTIFY_WEBHOOK_URL: receiver.url, NOTIFY_WEBHOOK_SECRET: SECRET, NOTIFY_POLL_MS: '100' });
    try {
      const browser = new HttpClient(t.baseUrl);
      expect((await consent(browser, UK_SELLER, 'global')).status).toBe(200);
      expect((await consent(browser, US_SELLER, 'us')).status).toBe(200);
      const data = () => receiver.received.map((delivery) => (JSON.parse(delivery.body) as { data: Record<string, unknown> }).data);

      // The refresher finds the us grant revoked at TikTok.
      await sandboxControl(browser, `authorizations/${US_SELLER}/revoke?app=us`, {});
      await query(t.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '1 minute' WHERE open_id = $1", [
        US_SELLER,
      ]);
      const service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'svc'));
      expect((await service.get('/v1/shops/7000000000000101/token')).status).toBe(409);
      await waitFor(() => data().length === 1, 8000);
      expect(data()[0]).toMatchObject({ status: 'reauthorization_required', app: 'us', open_id: US_SELLER });

      // The scheduler announces the global grant's last 30 days.
      await query(t.db.url, "UPDATE seller_authorizations SET refresh_token_expires_at = now() + interval '20 days' WHERE open_id = $1", [
        UK_SELLER,
      ]);
      await t.app.get(RefreshScheduler).runOnce();
      await waitFor(() => data().length === 2, 8000);
      expect(data()[1]).toMatchObject({ status: 'expiring', app: 'global', open_id: UK_SELLER });
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
