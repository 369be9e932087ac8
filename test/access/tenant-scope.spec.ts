import { Client } from 'pg';
import { TenantsRepository } from '../../src/tenants/tenants.repository';
import { query } from '../support/database';
import { Cluster, consentVia, seedSellers, startCluster } from '../support/replicas';
import { createServiceKey, KeyClient, TokenBody } from '../support/tokens';
import { waitFor } from '../support/wait';

/** Polls `check` for up to a second: the promise of the invalidation channel (every replica within one). */
function withinASecond(check: () => Promise<boolean>): Promise<void> {
  return waitFor(check, 1000);
}

const NO_SUCH_SHOP = '7999999999999999';

interface ShopView {
  shop_id: string;
  tenant_id: string | null;
}

/**
 * Keys limited to tenants, on two replicas with their caches on, one database and one emulator. A shop's tenant
 * is set through SQL (the tenant transfer route is not these tests' subject) the way that route and the consent
 * code change it: in one transaction with `{ kind: 'authorization', id }` on the invalidation channel.
 */
describe('tenant-scoped API keys (two replicas, caches on)', () => {
  let cluster: Cluster;
  let sellers: { openId: string; shopId: string }[];
  /** Keys by name: acme, globex, both (acme and globex), connect (acme, connect only), plain (no scope). */
  const keys: Record<string, string> = {};

  const client = (replica: number, key: string) => new KeyClient(cluster.instances[replica].baseUrl, key);
  const token = async (replica: number, key: string, shopId: string) => {
    const response = await client(replica, key).get(`/v1/shops/${shopId}/token`);
    return { status: response.status, body: (await response.json()) as TokenBody & { error?: string } };
  };
  const refresh = async (replica: number, key: string, shopId: string) => {
    const response = await client(replica, key).postJson(`/v1/shops/${shopId}/token/refresh`, {});
    return { status: response.status, body: (await response.json()) as TokenBody & { error?: string } };
  };
  const listed = async (replica: number, key: string, search = '') => {
    const response = await client(replica, key).get(`/v1/shops${search}`);
    return { status: response.status, body: (await response.json()) as { shops: ShopView[]; error?: string } };
  };

  /** Moves the shop's seller to `tenantId`, announced as the transfer route does, or silently. */
  async function setTenant(shopId: string, tenantId: string | null, announce = true): Promise<void> {
    await query(
      cluster.db.url,
      `WITH moved AS (
         UPDATE seller_authorizations a SET tenant_id = $2 FROM shops s WHERE s.authorization_id = a.id AND s.id = $1 RETURNING a.id)
       SELECT ${announce ? `pg_notify('tts_invalidate', json_build_object('kind', 'authorization', 'id', moved.id)::text)` : '1'} FROM moved`,
      [shopId, tenantId],
    );
  }

  beforeAll(async () => {
    cluster = await startCluster(2, { TOKEN_CACHE_ENABLED: 'true' });
    const [first] = cluster.instances;
    const tenants = first.app.get(TenantsRepository);
    for (const tenantId of ['acme', 'globex:eu']) await tenants.upsert({ tenantId, name: tenantId, metadata: {} });
    const create = (name: string, body: Record<string, unknown>) =>
      new KeyClient(first.baseUrl, first.adminKey).postJson('/admin/api-keys', { name, ...body });
    for (const [name, body] of Object.entries({
      acme: { tenant_ids: ['acme'] },
      globex: { tenant_ids: ['globex:eu'] },
      both: { tenant_ids: ['acme', 'globex:eu'] },
      connect: { tenant_ids: ['acme'], permissions: ['connect'] },
    })) {
      const response = await create(name, body);
      expect(response.status).toBe(201);
      keys[name] = ((await response.json()) as { key: string }).key;
    }
    keys.plain = await createServiceKey(first.baseUrl, first.adminKey, 'plain');
    // Seller 0 consents only in the first test, after the keys exist.
    sellers = await seedSellers(cluster.sandbox, 4, 'tenant');
    for (const seller of sellers.slice(1)) await consentVia(first, cluster.sandbox, seller.openId);
    await setTenant(sellers[1].shopId, 'globex:eu');
    await setTenant(sellers[3].shopId, 'acme');
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('sees a shop connected after the key was made, once its seller is assigned to the tenant, on every replica', async () => {
    const shop = sellers[0].shopId;
    await consentVia(cluster.instances[0], cluster.sandbox, sellers[0].openId);
    // Connected without a tenant (the anonymous consent): not the key's, on either replica.
    for (const replica of [0, 1]) {
      expect(await token(replica, keys.acme, shop)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      expect((await listed(replica, keys.acme)).body.shops.map((s) => s.shop_id)).toEqual([sellers[3].shopId]);
    }
    await setTenant(shop, 'acme');
    for (const replica of [0, 1]) {
      await withinASecond(async () => (await token(replica, keys.acme, shop)).status === 200);
      // The token answer names the tenant, from the database and from memory alike.
      for (let i = 0; i < 2; i += 1) {
        expect(await token(replica, keys.acme, shop)).toMatchObject({ status: 200, body: { shop_id: shop, tenant_id: 'acme' } });
      }
      expect(await refresh(replica, keys.acme, shop)).toMatchObject({ status: 200, body: { shop_id: shop, tenant_id: 'acme' } });
      expect((await listed(replica, keys.acme)).body.shops).toEqual([
        expect.objectContaining({ shop_id: shop, tenant_id: 'acme' }),
        expect.objectContaining({ shop_id: sellers[3].shopId, tenant_id: 'acme' }),
      ]);
    }
  });

  it("refuses another tenant's shop, a shop of no tenant and a shop that does not exist with 403, on both token routes", async () => {
    for (const replica of [0, 1]) {
      for (const shop of [sellers[1].shopId, sellers[2].shopId, NO_SUCH_SHOP]) {
        expect({ shop, ...(await token(replica, keys.acme, shop)) }).toMatchObject({ shop, status: 403, body: { error: 'forbidden' } });
        expect({ shop, ...(await refresh(replica, keys.acme, shop)) }).toMatchObject({ shop, status: 403, body: { error: 'forbidden' } });
      }
      // Whereas a key that may see every shop learns that it does not exist, and a key of both tenants gets globex's.
      expect(await token(replica, keys.plain, NO_SUCH_SHOP)).toMatchObject({ status: 404, body: { error: 'shop_not_found' } });
      expect(await token(replica, keys.both, sellers[1].shopId)).toMatchObject({ status: 200, body: { tenant_id: 'globex:eu' } });
      expect(await token(replica, keys.plain, sellers[2].shopId)).toMatchObject({ status: 200, body: { tenant_id: null } });
      // A malformed shop id names no shop: 400, as for every key.
      expect((await client(replica, keys.acme).get('/v1/shops/not.a.shop/token')).status).toBe(400);
    }
  });

  it('refuses a shop moved to another tenant on every replica within a second, and serves it to the new one', async () => {
    const shop = sellers[3].shopId;
    for (let i = 0; i < 2; i += 1) expect((await token(1, keys.acme, shop)).status).toBe(200);
    // A change nobody announced is not seen: replica 1 answers from memory, so what follows is the channel's doing.
    await setTenant(shop, 'globex:eu', false);
    expect((await token(1, keys.acme, shop)).status).toBe(200);
    await setTenant(shop, 'globex:eu');
    await withinASecond(async () => (await token(1, keys.acme, shop)).status === 403);
    for (const replica of [0, 1]) {
      expect(await token(replica, keys.acme, shop)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      expect(await refresh(replica, keys.acme, shop)).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      expect((await listed(replica, keys.acme)).body.shops.map((s) => s.shop_id)).toEqual([sellers[0].shopId]);
      for (let i = 0; i < 2; i += 1) {
        expect(await token(replica, keys.globex, shop)).toMatchObject({ status: 200, body: { tenant_id: 'globex:eu' } });
      }
      // The plain key's cached answer names the new tenant too.
      expect(await token(replica, keys.plain, shop)).toMatchObject({ status: 200, body: { tenant_id: 'globex:eu' } });
    }
  });

  it('refuses a key without the tokens permission on the token routes and the shop list (403), on its own shops too', async () => {
    for (const replica of [0, 1]) {
      const connect = client(replica, keys.connect);
      for (const response of [
        await connect.get(`/v1/shops/${sellers[0].shopId}/token`),
        await connect.postJson(`/v1/shops/${sellers[0].shopId}/token/refresh`, {}),
        await connect.get('/v1/shops'),
      ]) {
        expect(response.status).toBe(403);
        expect(await response.json()).toMatchObject({ error: 'forbidden', message: expect.stringContaining('tokens permission') });
      }
    }
  });

  describe('listings: tenant_id on every shop and authorization, and a tenant_id filter', () => {
    const admin = () => new KeyClient(cluster.instances[0].baseUrl, cluster.instances[0].adminKey);
    // After the tests above: sellers 0 (acme), 1 and 3 (globex:eu), 2 (none).
    const tenantOf = (index: number) => [`acme`, 'globex:eu', null, 'globex:eu'][index];

    it('GET /v1/shops', async () => {
      const all = await listed(0, keys.plain);
      expect(all.body.shops.map((s) => [s.shop_id, s.tenant_id])).toEqual(sellers.map((s, i) => [s.shopId, tenantOf(i)]));
      expect((await listed(0, keys.plain, '?tenant_id=globex:eu')).body.shops.map((s) => s.shop_id)).toEqual([
        sellers[1].shopId,
        sellers[3].shopId,
      ]);
      expect((await listed(0, keys.plain, '?tenant_id=nobody')).body.shops).toEqual([]);
      // For a tenant-scoped key the filter narrows its own tenants; another tenant's is empty, never a widening.
      expect((await listed(0, keys.both, '?tenant_id=acme')).body.shops.map((s) => s.shop_id)).toEqual([sellers[0].shopId]);
      expect((await listed(0, keys.acme, '?tenant_id=globex:eu')).body.shops).toEqual([]);
      expect((await listed(0, keys.both, '?limit=2')).body).toEqual({
        shops: [expect.objectContaining({ shop_id: sellers[0].shopId }), expect.objectContaining({ shop_id: sellers[1].shopId })],
        next_after: sellers[1].shopId,
      });
      expect((await listed(0, keys.both, `?after=${sellers[1].shopId}`)).body.shops.map((s) => s.shop_id)).toEqual([sellers[3].shopId]);
    });

    it('GET /admin/shops', async () => {
      const page = (await (await admin().get('/admin/shops')).json()) as { shops: ShopView[]; total: number };
      expect(page.shops.map((s) => [s.shop_id, s.tenant_id])).toEqual(sellers.map((s, i) => [s.shopId, tenantOf(i)]));
      const globex = (await (await admin().get('/admin/shops?tenant_id=globex:eu&limit=1')).json()) as { shops: ShopView[]; total: number };
      expect({ ids: globex.shops.map((s) => s.shop_id), total: globex.total }).toEqual({ ids: [sellers[1].shopId], total: 2 });
      const second = (await (await admin().get('/admin/shops?tenant_id=globex:eu&limit=1&page=2')).json()) as { shops: ShopView[] };
      expect(second.shops.map((s) => s.shop_id)).toEqual([sellers[3].shopId]);
      const combined = (await (await admin().get('/admin/shops?tenant_id=acme&region=GB')).json()) as { shops: ShopView[]; total: number };
      expect({ ids: combined.shops.map((s) => s.shop_id), total: combined.total }).toEqual({ ids: [sellers[0].shopId], total: 1 });
      expect((await (await admin().get(`/admin/shops/${sellers[1].shopId}`)).json()) as ShopView).toMatchObject({ tenant_id: 'globex:eu' });
    });

    it('GET /admin/authorizations', async () => {
      type Page = { authorizations: { id: string; tenant_id: string | null; shop_ids: string[] }[]; next_after: string | null };
      const all = (await (await admin().get('/admin/authorizations')).json()) as Page;
      const tenants = Object.fromEntries(all.authorizations.map((a) => [a.shop_ids[0], a.tenant_id]));
      expect(tenants).toEqual(Object.fromEntries(sellers.map((s, i) => [s.shopId, tenantOf(i)])));
      const globex: string[] = [];
      let after = '';
      do {
        const page = (await (await admin().get(`/admin/authorizations?tenant_id=globex:eu&limit=1${after}`)).json()) as Page;
        expect(page.authorizations.every((a) => a.tenant_id === 'globex:eu')).toBe(true);
        globex.push(...page.authorizations.flatMap((a) => a.shop_ids));
        after = page.next_after ? `&after=${page.next_after}` : '';
      } while (after);
      expect(globex.sort()).toEqual([sellers[1].shopId, sellers[3].shopId]);
    });

    it.each([
      ['/v1/shops', 'plain'],
      ['/admin/shops', 'admin'],
      ['/admin/authorizations', 'admin'],
    ])('%s refuses a malformed or repeated tenant_id with 400 invalid_request', async (path, who) => {
      const caller = who === 'admin' ? admin() : client(0, keys.plain);
      for (const search of [
        '?tenant_id=',
        '?tenant_id=ac%20me',
        `?tenant_id=${'t'.repeat(129)}`,
        '?tenant_id=acm%C3%A9',
        '?tenant_id=a&tenant_id=b',
      ]) {
        const response = await caller.get(`${path}${search}`);
        expect({ search, status: response.status, body: await response.json() }).toMatchObject({
          search,
          status: 400,
          body: { error: 'invalid_request', message: expect.stringContaining('tenant_id') },
        });
      }
    });

    it('finds a tenant through ix_seller_authorizations_tenant in all three (EXPLAIN of the statements sent)', async () => {
      const sent: { text: string; values: unknown }[] = [];
      const original = Client.prototype.query as (...args: unknown[]) => unknown;
      const spy = jest.spyOn(Client.prototype, 'query').mockImplementation(function (this: Client, ...args: unknown[]) {
        const [text, values] = args;
        if (typeof text === 'string' && text.includes('tenant_id = ')) sent.push({ text, values });
        return original.apply(this, args);
      });
      try {
        expect((await listed(0, keys.plain, '?tenant_id=acme')).status).toBe(200);
        expect((await listed(0, keys.acme)).status).toBe(200);
        expect((await admin().get('/admin/shops?tenant_id=acme')).status).toBe(200);
        expect((await admin().get('/admin/authorizations?tenant_id=acme')).status).toBe(200);
      } finally {
        spy.mockRestore();
      }
      expect(sent).toHaveLength(4);
      const probe = new Client({ connectionString: cluster.db.url });
      await probe.connect();
      try {
        await probe.query('ANALYZE seller_authorizations');
        for (const statement of sent) {
          await probe.query('BEGIN');
          try {
            // On a table this small a sequential scan is cheapest whatever the query; at scale it is not.
            await probe.query('SET LOCAL enable_seqscan = off');
            const { rows } = await probe.query<{ 'QUERY PLAN': unknown }>(
              `EXPLAIN (FORMAT JSON) ${statement.text}`,
              statement.values as unknown[],
            );
            expect({ statement: statement.text, plan: JSON.stringify(rows[0]['QUERY PLAN']) }).toEqual({
              statement: statement.text,
              plan: expect.stringContaining('"Index Name":"ix_seller_authorizations_tenant"'),
            });
          } finally {
            await probe.query('ROLLBACK');
          }
        }
      } finally {
        await probe.end();
      }
    });
  });
});
