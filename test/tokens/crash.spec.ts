import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { storedTokens } from '../support/stored-tokens';
import { RefreshScheduler } from '../../src/tokens/refresh.scheduler';
import { ensureBuilt, spawnService, waitForHttp } from '../support/built-service';
import { query } from '../support/database';
import { waitFor } from '../support/wait';
import { Cluster, consentVia, emulatorStats, replicaEnv, sandboxControl, seedSellers, startCluster } from '../support/replicas';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('an instance killed in the middle of a refresh', () => {
  let cluster: Cluster;
  let child: ChildProcess | undefined;
  let dataDir: string;

  beforeAll(async () => {
    ensureBuilt();
    cluster = await startCluster(1, { REFRESH_CLAIM_SECONDS: '2' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-crash-'));
  }, 180000);
  afterAll(async () => {
    child?.kill('SIGKILL');
    await cluster?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('leaves nothing locked or half-written, and another instance completes the work on its next run', async () => {
    const [seller] = await seedSellers(cluster.sandbox, 1, 'crash');
    const survivor = cluster.instances[0];
    await consentVia(survivor, cluster.sandbox, seller.openId);
    const [{ id }] = await query<{ id: string }>(cluster.db.url, 'SELECT id FROM seller_authorizations');
    const store = storedTokens(survivor.app);
    const before = await store.readTokens(id);

    const port = await freePort();
    const service = spawnService({
      PATH: process.env.PATH,
      ...replicaEnv(cluster.sandbox, cluster.secrets),
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: cluster.db.url,
      DATA_DIR: dataDir,
      REFRESH_SCHEDULER_ENABLED: 'true',
      REFRESH_CRON: '* * * * * *',
      REFRESH_CLAIM_SECONDS: '2',
      TIKTOK_HTTP_TIMEOUT_MS: '30000',
    });
    child = service.child;
    await waitForHttp(`http://127.0.0.1:${port}/`, 30000).catch((error: Error) => {
      throw new Error(`${error.message}\n${service.output()}`);
    });

    // TikTok will hold the next refresh call for 1.5 s; the child's scheduler picks the due authorization up
    // and is killed while waiting. The emulator then drops the abandoned call (had it processed it, the
    // stored refresh token would be dead and the survivor's refresh below would fail).
    await sandboxControl(cluster.sandbox, 'faults', { endpoint: 'token_refresh', type: 'timeout', delay_ms: 1500, count: 1 });
    const callsBefore = (await emulatorStats(cluster.sandbox)).calls.token_refresh ?? 0;
    await query(cluster.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '1 hour'");
    const deadline = Date.now() + 10000;
    while (((await emulatorStats(cluster.sandbox)).calls.token_refresh ?? 0) === callsBefore) {
      if (Date.now() > deadline) throw new Error(`the child never called TikTok\n${service.output()}`);
      await sleep(50);
    }
    // The child is inside its refresh transaction, holding the row lock.
    await expect(query(cluster.db.url, 'SELECT id FROM seller_authorizations WHERE id = $1 FOR UPDATE NOWAIT', [id])).rejects.toThrow(
      /could not obtain lock/,
    );

    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = undefined;

    // PostgreSQL ends the dead client's session and releases its lock.
    const lockDeadline = Date.now() + 10000;
    for (;;) {
      try {
        await query(cluster.db.url, 'SELECT id FROM seller_authorizations WHERE id = $1 FOR UPDATE NOWAIT', [id]);
        break;
      } catch (error) {
        if (Date.now() > lockDeadline) throw error;
        await sleep(100);
      }
    }
    // Nothing half-written: the old pair is intact and usable, the authorization healthy.
    expect(await store.readTokens(id)).toEqual(before);
    const [row] = await query<{ status: string; refresh_failures: number }>(
      cluster.db.url,
      'SELECT status, refresh_failures FROM seller_authorizations',
    );
    expect(row).toEqual({ status: 'active', refresh_failures: 0 });

    // Once the dead run's claim lapses, the surviving instance's next run completes the refresh.
    await waitFor(
      async () => {
        const [{ lapsed }] = await query<{ lapsed: boolean }>(
          cluster.db.url,
          'SELECT refresh_claimed_until IS NULL OR refresh_claimed_until < now() AS lapsed FROM seller_authorizations WHERE id = $1',
          [id],
        );
        return lapsed;
      },
      5000,
      50,
    );
    const run = await survivor.app.get(RefreshScheduler).runOnce();
    expect(run).toMatchObject({ claimed: 1, refreshed: 1 });
    const stats = await emulatorStats(cluster.sandbox);
    expect(stats.refreshes_by_open_id[seller.openId]).toBe(1);
    expect((await store.readTokens(id))?.refreshToken).toBe(stats.current[seller.openId].refresh_token);
  });
});
