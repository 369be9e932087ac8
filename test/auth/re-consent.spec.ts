import { query } from '../support/database';
import { consent, sandboxStats, UK_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { AuthorizationStore } from '../../src/shops/authorization-store.service';

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
    const { sellers } = (await (await client.get('/sandbox/_control/sellers')).json()) as { sellers: { open_id: string }[] };
    expect(sellers.some((seller) => seller.open_id === UK_SELLER)).toBe(true);
    const update = await client.postJson('/sandbox/_control/sellers', {
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

    const rows = await query<{ id: string; access_token: string; seller_name: string }>(t.db.url, 'SELECT id, access_token, seller_name FROM seller_authorizations');
    expect(rows).toHaveLength(1);
    expect(rows[0].id).toBe(first.id);
    expect(rows[0].seller_name).toBe('Demo Seller UK (renamed)');
    expect(rows[0].access_token).not.toBe(first.access_token);
    const stats = await sandboxStats(client);
    const tokens = await t.app.get(AuthorizationStore).readTokens(first.id);
    expect(tokens?.accessToken).toBe(stats.current[UK_SELLER].access_token);

    const shops = await query<{ id: string; status: string }>(t.db.url, 'SELECT id, status FROM shops ORDER BY id');
    expect(shops).toEqual([
      { id: '7000000000000001', status: 'active' },
      { id: '7000000000000002', status: 'deauthorized' },
      { id: '7000000000000003', status: 'active' },
    ]);
    const events = await query<{ type: string; shop_id: string | null }>(t.db.url, 'SELECT type, shop_id FROM authorization_events WHERE authorization_id = $1 ORDER BY id', [first.id]);
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
