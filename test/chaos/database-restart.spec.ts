import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { storedTokens } from '../support/stored-tokens';
import { consent, sandboxControl, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { dumpForSecretScan, query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { PostgresProcess, startPostgresProcess } from '../support/postgres-process';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey } from '../support/tokens';

const UK_SHOP = '7000000000000001';
const US_SHOP = '7000000000000101';
const OUTAGE_MS = 6000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  at: number;
  ms: number;
  status: number;
  error?: string;
}

describe('PostgreSQL restarted under load', () => {
  let dataDir: string;
  let port: number;
  let server: PostgresProcess | undefined;
  let t: TestApp;
  let key: string;

  const startServer = async () => {
    server = await startPostgresProcess(dataDir, port, 'tts_restart');
    return server.url;
  };

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-restart-pg-'));
    fs.chmodSync(dataDir, 0o755);
    port = await freePort();
    const url = await startServer();
    // The cache would hide the outage from token reads; here every request needs the database.
    t = await startTestApp(
      { TOKEN_CACHE_ENABLED: 'false' },
      { url, name: 'tts_restart', drop: () => dumpForSecretScan(url, 'tts_restart') },
    );
    const browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    key = await createServiceKey(t.baseUrl, t.adminKey, 'restart');
  }, 120000);

  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await server?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('fails fast with 503 while it is down, says so in readiness, recovers by itself, and loses no rotated token', async () => {
    const outcomes: Outcome[] = [];
    const ready: { at: number; status: number }[] = [];
    let stop = false;
    const timed = async (send: () => Promise<Response>) => {
      const at = Date.now();
      try {
        const response = await send();
        const body = (await response.json()) as { error?: string };
        outcomes.push({ at, ms: Date.now() - at, status: response.status, error: body.error });
      } catch (error) {
        outcomes.push({ at, ms: Date.now() - at, status: -1, error: String(error) });
      }
    };
    const load = async () => {
      while (!stop) {
        await timed(() =>
          fetch(`${t.baseUrl}/v1/shops/${US_SHOP}/token`, {
            headers: { authorization: `Bearer ${key}` },
            signal: AbortSignal.timeout(15000),
          }),
        );
        await sleep(20);
      }
    };
    const probe = async () => {
      while (!stop) {
        const response = await fetch(`${t.baseUrl}/health/ready`).catch(() => undefined);
        ready.push({ at: Date.now(), status: response?.status ?? -1 });
        await sleep(250);
      }
    };
    const loaders = [load(), load(), load(), probe()];
    await sleep(1500);

    // A refresh is with TikTok (1.5 s) when the database goes away: TikTok rotates the pair, the COMMIT
    // fails, and the rotated pair exists only in this process until the database is back.
    const browser = new HttpClient(t.baseUrl);
    expect((await sandboxControl(browser, 'config', { latency_ms: 1500 })).status).toBe(200);
    const refresh = fetch(`${t.baseUrl}/v1/shops/${UK_SHOP}/token/refresh`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}` },
    });
    await sleep(300);
    const downAt = Date.now();
    await server?.stop();
    await sleep(OUTAGE_MS);
    const upAt = Date.now();
    await startServer();
    const refreshed = await refresh;
    expect((await sandboxControl(browser, 'config', { latency_ms: 0 })).status).toBe(200);

    // Recovery without a restart of the service.
    const deadline = Date.now() + 30000;
    let recoveredAt: number | undefined;
    while (!recoveredAt && Date.now() < deadline) {
      const response = await fetch(`${t.baseUrl}/v1/shops/${US_SHOP}/token`, { headers: { authorization: `Bearer ${key}` } });
      if (response.status === 200 && (await fetch(`${t.baseUrl}/health/ready`)).status === 200) recoveredAt = Date.now();
      else await sleep(200);
    }
    stop = true;
    await Promise.all(loaders);
    expect(recoveredAt).toBeDefined();

    // While down: quick refusals, 503 with a code, never a 500; readiness said so; before and after: 200s.
    // Every request sent while it was down, however long it took: a request that hung until the restart counts.
    const during = outcomes.filter((o) => o.at >= downAt + 500 && o.at < upAt - 200);
    expect(during.length).toBeGreaterThan(10);
    expect([...new Set(during.map((o) => `${o.status} ${o.error}`))]).toEqual(['503 service_unavailable']);
    // Fast: well under the pool's 5 s connect timeout (the runs so far: 11-36 ms).
    expect(Math.max(...during.map((o) => o.ms))).toBeLessThan(2000);
    expect(outcomes.filter((o) => o.status === 500 || o.status === -1)).toEqual([]);
    const readyWhileDown = ready.filter((r) => r.at > downAt + 1000 && r.at < upAt);
    expect(readyWhileDown.length).toBeGreaterThan(0);
    expect(readyWhileDown.every((r) => r.status === 503)).toBe(true);
    expect(outcomes.filter((o) => o.at < downAt - 100).every((o) => o.status === 200)).toBe(true);

    // The refresh that was with TikTok: its rotated pair was written once the database was back.
    expect([200, 503]).toContain(refreshed.status);
    const stats = await sandboxStats(browser);
    const [{ id }] = await query<{ id: string }>(
      server?.url.replace(/\/[^/]*$/, '/tts_restart') as string,
      'SELECT id FROM seller_authorizations WHERE open_id = $1',
      [UK_SELLER],
    );
    // Written again in the background with backoff (up to 5 s apart) once the database answers.
    const store = storedTokens(t.app);
    const until = Date.now() + 20000;
    let stored = await store.readTokens(id);
    while (stored?.refreshToken !== stats.current[UK_SELLER].refresh_token && Date.now() < until) {
      await sleep(250);
      stored = await store.readTokens(id);
    }
    expect(stored?.refreshToken).toBe(stats.current[UK_SELLER].refresh_token);
    const uk = await fetch(`${t.baseUrl}/v1/shops/${UK_SHOP}/token`, { headers: { authorization: `Bearer ${key}` } });
    expect(uk.status).toBe(200);
    expect(((await uk.json()) as { access_token: string }).access_token).toBe(stats.current[UK_SELLER].access_token);

    // No partial writes: every authorization complete, active, with its shops.
    const rows = await query<{ status: string; shops: number; has_tokens: boolean }>(
      server?.url.replace(/\/[^/]*$/, '/tts_restart') as string,
      'SELECT a.status, count(s.id)::int AS shops, (a.access_token IS NOT NULL AND a.refresh_token IS NOT NULL) AS has_tokens FROM seller_authorizations a LEFT JOIN shops s ON s.authorization_id = a.id GROUP BY a.id',
    );
    expect(rows).toHaveLength(2);
    expect(rows.every((row) => row.status === 'active' && row.shops > 0 && row.has_tokens)).toBe(true);

    process.stdout.write(
      `database restart: down ${OUTAGE_MS / 1000} s, ${during.length} requests refused with 503 meanwhile (slowest ${Math.max(...during.map((o) => o.ms))} ms), ` +
        `recovered ${(((recoveredAt as number) - upAt) / 1000).toFixed(1)} s after the restart, rotated pair of the in-flight refresh kept (${refreshed.status})\n`,
    );
  });
});
