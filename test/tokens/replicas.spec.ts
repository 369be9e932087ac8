import { MIGRATIONS } from '../../src/database/migrations';
import { storedTokens } from '../support/stored-tokens';
import { query } from '../support/database';
import { Cluster, consentVia, emulatorStats, seedSellers, startCluster } from '../support/replicas';
import { createServiceKey, KeyClient, TokenBody } from '../support/tokens';

describe('three replicas on one database and one TikTok', () => {
  let cluster: Cluster;
  let sellers: { openId: string; shopId: string }[];

  beforeAll(async () => {
    cluster = await startCluster(3, { DATABASE_POOL_SIZE: '10' });
    sellers = await seedSellers(cluster.sandbox, 50);
    for (const [index, seller] of sellers.entries()) await consentVia(cluster.instances[index % 3], cluster.sandbox, seller.openId);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('migrated once although the three started together', async () => {
    const rows = await query<{ name: string }>(cluster.db.url, 'SELECT name FROM typeorm_migrations');
    expect(rows.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => new migration().name));
  });

  it('200 concurrent requests for 50 expiring shops: one refresh per authorization, everyone gets the new token', async () => {
    await query(cluster.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '60 seconds'");
    const before = await emulatorStats(cluster.sandbox);
    const key = await createServiceKey(cluster.instances[0].baseUrl, cluster.instances[0].adminKey, 'load');
    const clients = cluster.instances.map((instance) => new KeyClient(instance.baseUrl, key));

    const responses = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const seller = sellers[i % 50];
        const response = await clients[i % 3].get(`/v1/shops/${seller.shopId}/token`);
        return { seller, status: response.status, body: (await response.json()) as TokenBody };
      }),
    );

    const after = await emulatorStats(cluster.sandbox);
    expect(responses.filter((response) => response.status !== 200)).toEqual([]);
    for (const { seller, body } of responses) {
      expect(body.access_token).toBe(after.current[seller.openId].access_token);
      expect(body.access_token).not.toBe(before.current[seller.openId].access_token);
    }
    for (const seller of sellers) {
      expect(after.refreshes_by_open_id[seller.openId] ?? 0).toBe(1);
      // Not even a failed attempt with a stale refresh token.
      expect(after.refresh_attempts_by_open_id[seller.openId] ?? 0).toBe(1);
    }
    expect(after.calls.token_refresh - (before.calls.token_refresh ?? 0)).toBe(50);

    // The rotated refresh token is the one stored (the emulator rejects any older one).
    const store = storedTokens(cluster.instances[1].app);
    const rows = await query<{ id: string; open_id: string }>(cluster.db.url, 'SELECT id, open_id FROM seller_authorizations');
    for (const row of rows) expect((await store.readTokens(row.id))?.refreshToken).toBe(after.current[row.open_id].refresh_token);
  });
});
