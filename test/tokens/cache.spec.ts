import { InvalidationBus } from '../../src/database/invalidation-bus.service';
import { query } from '../support/database';
import { waitFor } from '../support/wait';
import { Cluster, consentVia, seedSellers, startCluster } from '../support/replicas';
import { recordSecrets } from '../support/secrets';
import { KeyClient, TokenBody } from '../support/tokens';

/** Polls `check` for up to a second (the promise of the cache: every replica sees a change within one). */
function withinASecond(check: () => Promise<boolean>): Promise<void> {
  return waitFor(check, 1000);
}

describe('token and key cache across replicas', () => {
  let cluster: Cluster;
  let sellers: { openId: string; shopId: string }[];
  let a: KeyClient;
  let b: KeyClient;
  let keyId: string;

  beforeAll(async () => {
    cluster = await startCluster(2, { TOKEN_CACHE_ENABLED: 'true' });
    sellers = await seedSellers(cluster.sandbox, 3, 'cache');
    for (const seller of sellers) await consentVia(cluster.instances[0], cluster.sandbox, seller.openId);
    const admin = new KeyClient(cluster.instances[0].baseUrl, cluster.instances[0].adminKey);
    const created = (await (await admin.postJson('/admin/api-keys', { name: 'cache' })).json()) as { id: string; key: string };
    keyId = created.id;
    recordSecrets([created.key]);
    a = new KeyClient(cluster.instances[0].baseUrl, created.key);
    b = new KeyClient(cluster.instances[1].baseUrl, created.key);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const token = async (client: KeyClient, shopId: string) => {
    const response = await client.get(`/v1/shops/${shopId}/token`);
    return { status: response.status, body: (await response.json()) as TokenBody };
  };

  it('serves a token from memory once it was read', async () => {
    const first = await token(b, sellers[0].shopId);
    expect(first.status).toBe(200);
    // A change behind the service's back (no notification) is not seen: the answer comes from memory.
    await query(cluster.db.url, "UPDATE shops SET cipher = 'CHANGED_BEHIND_ITS_BACK' WHERE id = $1", [sellers[0].shopId]);
    expect((await token(b, sellers[0].shopId)).body.shop_cipher).toBe(first.body.shop_cipher);
    await query(cluster.db.url, 'SELECT pg_notify(\'tts_invalidate\', \'{"kind":"all"}\')');
    await withinASecond(async () => (await token(b, sellers[0].shopId)).body.shop_cipher === 'CHANGED_BEHIND_ITS_BACK');
  });

  it('shows a refresh made on one replica on the other within a second', async () => {
    const before = await token(b, sellers[1].shopId);
    const refreshed = (await (await a.postJson(`/v1/shops/${sellers[1].shopId}/token/refresh`, {})).json()) as TokenBody;
    expect(refreshed.access_token).not.toBe(before.body.access_token);
    await withinASecond(async () => (await token(b, sellers[1].shopId)).body.access_token === refreshed.access_token);
  });

  it('stops serving a revoked shop on every replica within a second', async () => {
    expect((await token(b, sellers[2].shopId)).status).toBe(200);
    const admin = new KeyClient(cluster.instances[0].baseUrl, cluster.instances[0].adminKey);
    expect((await admin.request(`/admin/shops/${sellers[2].shopId}`, { method: 'DELETE' })).status).toBe(200);
    await withinASecond(async () => (await token(b, sellers[2].shopId)).status === 409);
  });

  it('bypasses memory while the invalidation channel is down, and recovers', async () => {
    await token(b, sellers[0].shopId);
    const [{ n }] = await query<{ n: number }>(
      cluster.db.url,
      "SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN tts_invalidate%'",
    );
    expect(n).toBe(2);
    // Both replicas notice the lost channel (and bypass their caches until it is back).
    const buses = cluster.instances.map((instance) => instance.app.get(InvalidationBus));
    await waitFor(() => buses.every((bus) => !bus.healthy), 2000, 5);
    await query(cluster.db.url, "UPDATE shops SET cipher = 'CHANGED_WHILE_DEAF' WHERE id = $1", [sellers[0].shopId]);
    // Without the channel nothing comes from memory: the change is visible at once.
    const during = await token(b, sellers[0].shopId);
    expect(during.body.shop_cipher).toBe('CHANGED_WHILE_DEAF');
    // The channel comes back by itself.
    const listening = async () =>
      (
        await query<{ listening: number }>(
          cluster.db.url,
          "SELECT count(*)::int AS listening FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN tts_invalidate%'",
        )
      )[0].listening;
    await waitFor(async () => (await listening()) === 2, 5000, 50);
    expect(await listening()).toBe(2);
  });

  it('refuses a deleted key on every replica within a second', async () => {
    expect((await token(b, sellers[0].shopId)).status).toBe(200);
    const admin = new KeyClient(cluster.instances[0].baseUrl, cluster.instances[0].adminKey);
    expect((await admin.request(`/admin/api-keys/${keyId}`, { method: 'DELETE' })).status).toBe(204);
    await withinASecond(async () => (await b.get(`/v1/shops/${sellers[0].shopId}/token`)).status === 401);
    expect((await a.get(`/v1/shops/${sellers[0].shopId}/token`)).status).toBe(401);
  });
});
