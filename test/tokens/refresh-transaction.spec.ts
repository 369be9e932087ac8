import { Client } from 'pg';
import { RefreshScheduler } from '../../src/tokens/refresh.scheduler';
import { TokenRefresher } from '../../src/tokens/token-refresher.service';
import { query } from '../support/database';
import { Cluster, consentVia, emulatorStats, sandboxControl, seedSellers, startCluster } from '../support/replicas';
import { createServiceKey, KeyClient, TokenBody } from '../support/tokens';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Sent {
  client: unknown;
  text: string;
}

/** Every `Client#query` (one round trip each in node-postgres) made in this process while `work` runs. */
async function recordQueries(work: () => Promise<unknown>): Promise<Sent[]> {
  const spy = jest.spyOn(Client.prototype, 'query');
  try {
    await work();
    return spy.mock.calls.map((args, i) => {
      const sql: unknown = args[0];
      return { client: spy.mock.contexts[i], text: typeof sql === 'string' ? sql : String((sql as { text?: string }).text) };
    });
  } finally {
    spy.mockRestore();
  }
}

const keyword = (text: string) => /^\s*(\w+)/.exec(text)?.[1].toUpperCase();

describe('the refresh transaction', () => {
  let cluster: Cluster;
  let sellers: { openId: string; shopId: string }[];

  beforeAll(async () => {
    cluster = await startCluster(2, {
      TOKEN_CACHE_ENABLED: 'true',
      // Nobody listens there: the outbox rows are what this suite looks at.
      NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook',
      NOTIFY_WEBHOOK_SECRET: 'refresh-transaction-secret-0123456789',
    });
    sellers = await seedSellers(cluster.sandbox, 2, 'rtx');
    for (const seller of sellers) await consentVia(cluster.instances[0], cluster.sandbox, seller.openId);
  });
  afterAll(async () => {
    await cluster?.close();
  });

  const idOf = async (openId: string) =>
    (await query<{ id: string }>(cluster.db.url, 'SELECT id FROM seller_authorizations WHERE open_id = $1', [openId]))[0].id;
  const dueSoon = (openId: string) =>
    query(cluster.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '1 hour' WHERE open_id = $1", [
      openId,
    ]);

  it('stores a scheduled refresh in three round trips: the pair, its event and the cleared claim commit together, and the other replica hears of it', async () => {
    const [seller] = sellers;
    const id = await idOf(seller.openId);
    const key = await createServiceKey(cluster.instances[0].baseUrl, cluster.instances[0].adminKey, 'rtx');
    const other = new KeyClient(cluster.instances[1].baseUrl, key);
    const token = async () => ((await (await other.get(`/v1/shops/${seller.shopId}/token`)).json()) as TokenBody).access_token;
    const before = await token();
    await dueSoon(seller.openId);

    let run: unknown;
    const sent = await recordQueries(async () => {
      run = await cluster.instances[0].app.get(RefreshScheduler).runOnce();
    });
    expect(run).toMatchObject({ claimed: 1, refreshed: 1, failed: 0 });

    // From the lock to the commit, on the connection that took the lock (the others are the claim, the
    // expiring check, the other instance's and the outbox's polling).
    const locking = sent.findIndex((call) => call.text.startsWith('BEGIN;') && call.text.includes(id));
    expect(locking).toBeGreaterThanOrEqual(0);
    const onConnection = sent.slice(locking).filter((call) => call.client === sent[locking].client);
    const commit = onConnection.findIndex((call) => call.text === 'COMMIT');
    expect(onConnection.slice(0, commit + 1).map((call) => keyword(call.text))).toEqual(['BEGIN', 'WITH', 'COMMIT']);
    // The claim was cleared by the statement that stored the pair, not by another round trip.
    expect(sent.filter((call) => call.text.includes('refresh_claimed_until = NULL WHERE id = ANY'))).toEqual([]);

    const [row] = await query<{ claimed: boolean; expires: Date }>(
      cluster.db.url,
      'SELECT refresh_claimed_until IS NOT NULL AS claimed, access_token_expires_at AS expires FROM seller_authorizations WHERE id = $1',
      [id],
    );
    expect(row.claimed).toBe(false);
    const events = await query<{ open_id: string; shop_id: string | null; detail: Record<string, unknown>; same_transaction: boolean }>(
      cluster.db.url,
      `SELECT e.open_id, e.shop_id, e.detail, e.xmin = a.xmin AS same_transaction
         FROM authorization_events e JOIN seller_authorizations a ON a.id = e.authorization_id
        WHERE e.type = 'refreshed' AND e.authorization_id = $1`,
      [id],
    );
    expect(events).toEqual([
      {
        open_id: seller.openId,
        shop_id: null,
        detail: { trigger: 'scheduled', access_token_expires_at: row.expires.toISOString() },
        same_transaction: true,
      },
    ]);

    const current = (await emulatorStats(cluster.sandbox)).current[seller.openId].access_token;
    expect(current).not.toBe(before);
    const deadline = Date.now() + 1000;
    while ((await token()) !== current) {
      if (Date.now() > deadline) throw new Error('the other replica still serves the old token after a second');
      await sleep(20);
    }
  });

  it('marks a dead grant for re-consent with its event and its notification in one transaction', async () => {
    const seller = sellers[1];
    const id = await idOf(seller.openId);
    await sandboxControl(cluster.sandbox, `authorizations/${seller.openId}/revoke`, {});
    await dueSoon(seller.openId);
    expect(await cluster.instances[0].app.get(RefreshScheduler).runOnce()).toMatchObject({ claimed: 1, reauthorizationRequired: 1 });
    const [row] = await query<{ status: string; claimed: boolean; event: boolean; notification: boolean }>(
      cluster.db.url,
      `SELECT a.status, a.refresh_claimed_until IS NOT NULL AS claimed,
              EXISTS (SELECT 1 FROM authorization_events e WHERE e.authorization_id = a.id AND e.type = 'reauthorization_required' AND e.xmin = a.xmin) AS event,
              EXISTS (SELECT 1 FROM notification_outbox o WHERE o.payload->'data'->>'authorization_id' = a.id::text AND o.xmin = a.xmin) AS notification
         FROM seller_authorizations a WHERE a.id = $1`,
      [id],
    );
    expect(row).toEqual({ status: 'reauthorization_required', claimed: false, event: true, notification: true });
  });

  it('refuses an id that is not a uuid before sending anything', async () => {
    const refresher = cluster.instances[0].app.get(TokenRefresher);
    const sent = await recordQueries(() =>
      expect(refresher.refresh({ authorizationId: "00000000-0000-0000-0000-000000000000' OR true --", trigger: 'api' })).rejects.toThrow(
        /not a uuid/,
      ),
    );
    expect(sent.filter((call) => call.text.includes('OR true'))).toEqual([]);
  });
});
