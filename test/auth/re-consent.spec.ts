import { query } from '../support/database';
import { consent, sandboxControl, sandboxStats, UK_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { storedTokens } from '../support/stored-tokens';

describe('re-consent by the same seller', () => {
  let t: TestApp;
  let client: HttpClient;

  beforeAll(async () => {
    t = await startTestApp();
    client = new HttpClient(t.baseUrl);
  });
  afterAll(async () => {
    await t.close();
  });

  it('updates the same authorization, rotates the stored tokens and retires shops no longer granted', async () => {
    expect((await consent(client, UK_SELLER)).status).toBe(200);
    const [first] = await query<{ id: string; access_token: string }>(t.db.url, 'SELECT id, access_token FROM seller_authorizations');

    // The seller now grants only one of the two shops, plus a new one.
    const { sellers } = (await (await sandboxControl(client, 'sellers')).json()) as { sellers: { open_id: string }[] };
    expect(sellers.some((seller) => seller.open_id === UK_SELLER)).toBe(true);
    const update = await sandboxControl(client, 'sellers', {
      open_id: UK_SELLER,
      seller_name: 'Demo Seller UK (renamed)',
      seller_base_region: 'GB',
      shops: [
        { id: '7000000000000001', name: 'Demo Shop UK', region: 'GB', seller_type: 'LOCAL' },
        { id: '7000000000000003', name: 'Demo Shop UK New', region: 'GB', seller_type: 'LOCAL' },
      ],
    });
    expect(update.status).toBeLessThan(300);

    const second = await consent(client, UK_SELLER);
    expect(second.status).toBe(200);
    expect(second.body.shops.map((shop) => shop.shop_id).sort()).toEqual(['7000000000000001', '7000000000000003']);

    const rows = await query<{ id: string; access_token: string; seller_name: string }>(
      t.db.url,
      'SELECT id, access_token, seller_name FROM seller_authorizations',
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe(first.id);
    expect(rows[0].seller_name).toBe('Demo Seller UK (renamed)');
    expect(rows[0].access_token).not.toBe(first.access_token);
    const stats = await sandboxStats(client);
    const tokens = await storedTokens(t.app).readTokens(first.id);
    expect(tokens?.accessToken).toBe(stats.current[UK_SELLER].access_token);

    const shops = await query<{ id: string; status: string }>(t.db.url, 'SELECT id, status FROM shops ORDER BY id');
    expect(shops).toEqual([
      { id: '7000000000000001', status: 'active' },
      { id: '7000000000000002', status: 'deauthorized' },
      { id: '7000000000000003', status: 'active' },
    ]);
    const events = await query<{ type: string; shop_id: string | null }>(
      t.db.url,
      'SELECT type, shop_id FROM authorization_events WHERE authorization_id = $1 ORDER BY id',
      [first.id],
    );
    expect(events.slice(3)).toEqual([
      { type: 're_granted', shop_id: null },
      { type: 'shop_added', shop_id: '7000000000000003' },
      { type: 'shop_removed', shop_id: '7000000000000002' },
    ]);
  });

  it('restores an authorization whose status had degraded', async () => {
    await query(t.db.url, "UPDATE seller_authorizations SET status = 'reauthorization_required'");
    expect((await consent(client, UK_SELLER)).status).toBe(200);
    const [row] = await query<{ status: string }>(t.db.url, 'SELECT status FROM seller_authorizations');
    expect(row.status).toBe('active');
  });
});

describe('racing consents and shops changing hands', () => {
  let t: TestApp;
  let client: HttpClient;

  beforeAll(async () => {
    t = await startTestApp();
    client = new HttpClient(t.baseUrl);
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps the newest token pair when two consents of one seller race', async () => {
    for (let round = 0; round < 10; round += 1) {
      // Three browsers of the same seller.
      const results = await Promise.all([0, 1, 2].map(() => consent(new HttpClient(t.baseUrl), UK_SELLER)));
      expect(results.map((result) => result.status)).toEqual([200, 200, 200]);
      const [row] = await query<{ id: string }>(t.db.url, 'SELECT id FROM seller_authorizations WHERE open_id = $1', [UK_SELLER]);
      const stored = await storedTokens(t.app).readTokens(row.id);
      // The emulator revokes a seller's previous refresh token on every new consent: only the newest works.
      expect(stored?.refreshToken).toBe((await sandboxStats(client)).current[UK_SELLER].refresh_token);
    }
    expect(await query(t.db.url, 'SELECT id FROM seller_authorizations WHERE open_id = $1', [UK_SELLER])).toHaveLength(1);
  });

  it('records on the old authorization that a shop was taken over by another seller account', async () => {
    await consent(client, UK_SELLER);
    const moved = await sandboxControl(client, 'sellers', {
      open_id: 'sbx-open-new-owner',
      seller_name: 'New owner',
      seller_base_region: 'GB',
      shops: [{ id: '7000000000000009', name: 'Moving shop', region: 'GB', seller_type: 'LOCAL' }],
    });
    expect(moved.status).toBeLessThan(300);
    const first = await consent(client, 'sbx-open-new-owner');
    expect(first.status).toBe(200);
    // The shop now belongs to another seller account at TikTok.
    const released = await sandboxControl(client, 'sellers', {
      open_id: 'sbx-open-new-owner',
      seller_name: 'New owner',
      seller_base_region: 'GB',
      shops: [{ id: '7000000000000010', name: 'Remaining shop', region: 'GB', seller_type: 'LOCAL' }],
    });
    expect(released.status).toBeLessThan(300);
    const claimed = await sandboxControl(client, 'sellers', {
      open_id: 'sbx-open-next-owner',
      seller_name: 'Next owner',
      seller_base_region: 'GB',
      shops: [{ id: '7000000000000009', name: 'Moving shop', region: 'GB', seller_type: 'LOCAL' }],
    });
    expect(claimed.status).toBeLessThan(300);
    expect((await consent(client, 'sbx-open-next-owner')).status).toBe(200);

    const owners = await query<{ id: string; open_id: string }>(
      t.db.url,
      'SELECT id, open_id FROM seller_authorizations WHERE open_id LIKE $1',
      ['sbx-open-%-owner'],
    );
    const previous = owners.find((owner) => owner.open_id === 'sbx-open-new-owner')?.id;
    const next = owners.find((owner) => owner.open_id === 'sbx-open-next-owner')?.id;
    const [shop] = await query<{ authorization_id: string; status: string }>(
      t.db.url,
      "SELECT authorization_id, status FROM shops WHERE id = '7000000000000009'",
    );
    expect(shop).toEqual({ authorization_id: next, status: 'active' });
    const events = await query<{ type: string; detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT type, detail FROM authorization_events WHERE authorization_id = $1 AND shop_id = '7000000000000009' ORDER BY id",
      [previous],
    );
    expect(events.map((event) => event.type)).toEqual(['shop_added', 'shop_removed']);
    expect(events[1].detail).toMatchObject({ reason: 'authorized by another seller account', to_authorization_id: next });
  });
});
