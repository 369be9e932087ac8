import { randomBytes } from 'node:crypto';
import { rotateKeys, RotationProgress } from '../../src/shops/key-rotation';
import { StoredTokensRepository } from '../../src/shops/stored-tokens.repository';
import { TokenCipher } from '../../src/common/crypto/token-cipher';
import { storedTokens } from '../support/stored-tokens';
import { createTestDatabase, query, TestDatabase } from '../support/database';
import { Cluster, consentVia, emulatorStats, replicaEnv, seedSellers, startSharedSandbox } from '../support/replicas';
import { randomSecret, startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

const key = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('encryption key rotation', () => {
  let sandbox: Cluster['sandbox'];
  let db: TestDatabase;
  const oldKey = key('old');
  const newKey = key('new');
  const secrets = { ADMIN_API_KEY: randomSecret(), API_KEY_HMAC_SECRET: randomSecret() };
  let sellers: { openId: string; shopId: string }[];

  beforeAll(async () => {
    sandbox = await startSharedSandbox();
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await sandbox.close();
    await db.drop();
  });

  const start = (keys: string): Promise<TestApp> =>
    startTestApp({ ...replicaEnv(sandbox, { ...secrets, TOKEN_ENCRYPTION_KEYS: keys }) }, db);

  it('re-encrypts every row to the new key while the service keeps serving tokens', async () => {
    const before = await start(oldKey);
    sellers = await seedSellers(sandbox, 30, 'rotate');
    for (const seller of sellers) await consentVia(before, sandbox, seller.openId);
    await before.close();

    // The new key goes first; the old one still decrypts.
    const app = await start(`${newKey},${oldKey}`);
    try {
      const api = new KeyClient(app.baseUrl, await createServiceKey(app.baseUrl, app.adminKey, 'rotation'));
      // Every token needs a refresh: the traffic below rewrites token pairs while the rotation rewrites rows.
      await query(db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '60 seconds'");
      let serving = true;
      const statuses: number[] = [];
      const traffic = (async () => {
        for (let i = 0; serving || i < sellers.length; i += 1)
          statuses.push((await api.get(`/v1/shops/${sellers[i % sellers.length].shopId}/token`)).status);
      })();
      const cipher = app.app.get(TokenCipher);
      const progress: RotationProgress[] = [];
      const rewritten = await rotateKeys(app.app.get(StoredTokensRepository), cipher, (step) => progress.push(step));
      serving = false;
      await traffic;

      // A row the traffic refreshed before the rotation reached it is already on the new key: the rotation skips
      // it, so it rewrites at most the 30 it counted (what matters is below: every row on the new key).
      expect(rewritten).toBeGreaterThan(0);
      expect(rewritten).toBeLessThanOrEqual(30);
      expect(progress[0]).toEqual({ done: 0, total: 30 });
      expect(progress[progress.length - 1]).toEqual({ done: rewritten, total: 30 });
      expect(statuses.length).toBeGreaterThan(10);
      expect(statuses.every((status) => status === 200)).toBe(true);
      const keyIds = await query<{ k: string }>(
        db.url,
        "SELECT DISTINCT split_part(access_token, ':', 2) AS k FROM seller_authorizations UNION SELECT DISTINCT split_part(refresh_token, ':', 2) FROM seller_authorizations",
      );
      expect(keyIds.map((row) => row.k)).toEqual(['new']);
      const stats = await emulatorStats(sandbox);
      const store = storedTokens(app.app);
      const rows = await query<{ id: string; open_id: string }>(db.url, 'SELECT id, open_id FROM seller_authorizations');
      for (const row of rows) expect((await store.readTokens(row.id))?.refreshToken).toBe(stats.current[row.open_id].refresh_token);
      // Resumable: a second run finds nothing to do.
      expect(await rotateKeys(app.app.get(StoredTokensRepository), cipher)).toBe(0);
    } finally {
      await app.close();
    }
    // The old key can now be removed.
    const after = await start(newKey);
    await after.close();
  });

  it('refuses to start when a stored key id has no key configured', async () => {
    await expect(start(key('other'))).rejects.toThrow(/TOKEN_ENCRYPTION_KEYS: stored tokens are encrypted with key id\(s\) "new"/);
  });
});
