import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { TokenFastPath } from '../../src/tokens/token-fast-path';
import { consent, UK_SELLER, US_SELLER } from '../support/consent';
import { dumpForSecretScan, query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { PostgresProcess, startPostgresProcess } from '../support/postgres-process';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey } from '../support/tokens';

const UK_SHOP = '7000000000000001';
const US_SHOP = '7000000000000101';
const DATABASE = 'tts_files_lost';

/**
 * Files of the service's database deleted under PostgreSQL (a data folder removed or a volume lost under a
 * running server): every query that needs one answers `could not open file` (SQLSTATE 58P01). A running
 * backend may still read a deleted file it holds open, so the files go while the server is stopped and the
 * server starts again without them: then every table read fails as it does with the data folder gone.
 */
describe('PostgreSQL data folder deleted under the running service', () => {
  let dataDir: string;
  let port: number;
  let url: string;
  let server: PostgresProcess | undefined;
  let t: TestApp;
  let key: string;
  /** What the token route's fast path handed to the Nest route: the error its miss ended with. */
  const handedOver: unknown[] = [];

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-files-lost-pg-'));
    fs.chmodSync(dataDir, 0o755);
    port = await freePort();
    server = await startPostgresProcess(dataDir, port, DATABASE);
    url = server.url;
    // The cache is on, so the token route is first tried by the fast path (TokenFastPath).
    t = await startTestApp({ TOKEN_CACHE_ENABLED: 'true' }, { url, name: DATABASE, drop: () => Promise.resolve() });
    const fastPath = t.app.get(TokenFastPath);
    const failureOf = fastPath.failureOf.bind(fastPath);
    fastPath.failureOf = (request: object) => {
      const failure = failureOf(request);
      if (failure) handedOver.push(failure.error);
      return failure;
    };
    const browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    key = await createServiceKey(t.baseUrl, t.adminKey, 'files lost');
    // What was stored goes to the secret scan now: afterwards there is nothing left to read.
    await dumpForSecretScan(url, DATABASE);
  }, 120000);

  afterAll(async () => {
    try {
      await t?.close();
    } finally {
      await server?.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  function get(route: string, authorization = `Bearer ${key}`): Promise<Response> {
    return fetch(`${t.baseUrl}${route}`, { headers: { authorization, accept: 'application/json' } });
  }

  async function expectUnavailable(response: Response): Promise<void> {
    expect({ status: response.status, body: (await response.json()) as unknown }).toEqual({
      status: 503,
      body: { statusCode: 503, error: 'service_unavailable', message: expect.any(String), retry_after_seconds: 1 },
    });
    expect(response.headers.get('retry-after')).toBe('1');
  }

  it('answers 503 service_unavailable on the token fast path and on Nest routes, and readiness says 503', async () => {
    // Before: served (by the fast path, from the database on a miss).
    expect((await get(`/v1/shops/${UK_SHOP}/token`, `Bearer ${t.adminKey}`)).status).toBe(200);
    expect((await get(`/v1/shops/${UK_SHOP}/token`)).status).toBe(200);
    expect(handedOver).toEqual([]);

    // Every file of the service's tables and indexes (the migrations table too), with its forks and segments.
    const [{ root }] = await query<{ root: string }>(url, "SELECT current_setting('data_directory') AS root");
    const files = await query<{ file: string }>(
      url,
      `SELECT pg_relation_filepath(c.oid) AS file FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i', 't') AND pg_relation_filepath(c.oid) IS NOT NULL`,
    );
    expect(files.length).toBeGreaterThan(10);
    await server?.stop();
    for (const { file } of files) {
      const dir = path.join(root, path.dirname(file));
      const base = path.basename(file);
      for (const name of fs
        .readdirSync(dir)
        .filter((entry) => entry === base || entry.startsWith(`${base}_`) || entry.startsWith(`${base}.`))) {
        fs.rmSync(path.join(dir, name));
      }
    }
    server = await startPostgresProcess(dataDir, port, DATABASE);

    // The token route with the admin key (known without the database), first tried by the fast path: a shop it
    // has never read, so the miss needs the database, and the Nest route answers the error the fast path hands it.
    await expectUnavailable(await get(`/v1/shops/${US_SHOP}/token`, `Bearer ${t.adminKey}`));
    expect(handedOver).toEqual([expect.objectContaining({ code: '58P01', message: expect.stringContaining('could not open file') })]);
    // Nest routes: the token route with a service key (forgotten by the cache when the server went away, so the
    // guard looks it up), a service route and an admin route.
    await expectUnavailable(await get(`/v1/shops/${US_SHOP}/token`));
    await expectUnavailable(await get('/v1/shops?limit=5'));
    await expectUnavailable(await get('/admin/shops', `Bearer ${t.adminKey}`));
    expect(handedOver).toHaveLength(1);
    expect((await fetch(`${t.baseUrl}/health/ready`)).status).toBe(503);
  });
});
