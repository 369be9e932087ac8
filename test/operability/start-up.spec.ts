import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { ensureBuilt, spawnService } from '../support/built-service';
import { consent, rememberAdminKey, US_SELLER } from '../support/consent';
import { createTestDatabase, query, TestDatabase } from '../support/database';
import { HttpClient } from '../support/http-client';
import { waitFor } from '../support/wait';

// `node dist/main.js` as an operator runs it, in an empty working directory (no stray `.env`) unless a test
// writes one there.

interface Exited {
  code: number | null;
  lines: string[];
}

interface Running {
  child: ChildProcess;
  output: () => string;
  /** Waits until the output contains `text`; fails with the output if the process exits first. */
  until: (text: string, timeoutMs?: number) => Promise<void>;
  stop: () => Promise<void>;
}

const started: Running[] = [];
const dirs: string[] = [];

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  // The embedded PostgreSQL runs as the postgres user when the tests run as root.
  fs.chmodSync(dir, 0o755);
  dirs.push(dir);
  return dir;
}

function start(env: NodeJS.ProcessEnv, cwd = tempDir('tts-start-cwd-')): Running {
  const service = spawnService({ PATH: process.env.PATH, ...env }, cwd);
  const exited = new Promise<void>((resolve) => service.child.once('exit', () => resolve()));
  const running: Running = {
    ...service,
    until: async (text, timeoutMs = 60000) => {
      await waitFor(
        () => {
          if (service.output().includes(text)) return true;
          if (service.child.exitCode !== null)
            throw new Error(`exited with ${service.child.exitCode} before "${text}":\n${service.output()}`);
          return false;
        },
        timeoutMs,
        50,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\n${service.output()}`);
      });
    },
    stop: async () => {
      if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM');
      await exited;
    },
  };
  started.push(running);
  return running;
}

async function runToExit(env: NodeJS.ProcessEnv, cwd?: string): Promise<Exited> {
  const service = start(env, cwd);
  const code = await new Promise<number | null>((resolve) => service.child.once('exit', resolve));
  return { code, lines: service.output().trimEnd().split('\n') };
}

const errorsOf = (lines: string[]) => lines.filter((line) => line.startsWith('configuration error: '));
const variablesOf = (lines: string[]) => errorsOf(lines).map((line) => line.split(': ')[1]);

describe('start-up of node dist/main.js', () => {
  beforeAll(() => ensureBuilt(), 180000);
  afterAll(async () => {
    await Promise.all(started.map((service) => service.stop()));
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('lists every missing production variable at once, one line each, and exits 1 without starting a database', async () => {
    const { code, lines } = await runToExit({ NODE_ENV: 'production', DATA_DIR: tempDir('tts-start-data-') });
    expect(code).toBe(1);
    expect(lines).toEqual(errorsOf(lines));
    expect(variablesOf(lines)).toEqual([
      'DATABASE_URL',
      'TIKTOK_APP_KEY',
      'TIKTOK_APP_SECRET',
      'TIKTOK_SERVICE_ID',
      'TOKEN_ENCRYPTION_KEYS',
      'ADMIN_API_KEY',
      'API_KEY_HMAC_SECRET',
    ]);
    expect(lines[1]).toBe('configuration error: TIKTOK_APP_KEY: is required when NODE_ENV=production');
  });

  it('refuses production without DATABASE_URL in one line naming it, never an embedded database', async () => {
    const dataDir = tempDir('tts-start-data-');
    const { code, lines } = await runToExit({
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      TIKTOK_APP_KEY: 'k',
      TIKTOK_APP_SECRET: 's',
      TIKTOK_SERVICE_ID: 'i',
      TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
      ADMIN_API_KEY: 'a'.repeat(32),
      API_KEY_HMAC_SECRET: 'h'.repeat(32),
    });
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^configuration error: DATABASE_URL: is required when NODE_ENV=production/);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it('accepts exactly true or false for a boolean, reported with the other mistakes', async () => {
    const { code, lines } = await runToExit({ PORT: 'abc', TIKTOK_SANDBOX: 'yes', REFRESH_SCHEDULER_ENABLED: 'nope' });
    expect(code).toBe(1);
    expect(lines).toEqual([
      'configuration error: PORT: must be an integer number',
      'configuration error: TIKTOK_SANDBOX: must be true or false',
      'configuration error: REFRESH_SCHEDULER_ENABLED: must be true or false',
    ]);
  });

  it('reads .env from the working directory, the environment winning over it', async () => {
    const cwd = tempDir('tts-start-dotenv-');
    fs.writeFileSync(path.join(cwd, '.env'), 'PORT=abc\nTIKTOK_SANDBOX=maybe\n');
    const { code, lines } = await runToExit({ PORT: String(await freePort()) }, cwd);
    expect(code).toBe(1);
    expect(errorsOf(lines)).toEqual(['configuration error: TIKTOK_SANDBOX: must be true or false']);
    expect(lines.join('\n')).toContain(`read 1 variable(s) from ${path.join(cwd, '.env')}; the environment's own PORT win`);
  });

  it('never reads .env with NODE_ENV=test', async () => {
    const cwd = tempDir('tts-start-dotenv-');
    fs.writeFileSync(path.join(cwd, '.env'), 'PORT=abc\nTIKTOK_SANDBOX=maybe\n');
    const { code, lines } = await runToExit({ NODE_ENV: 'test', REFRESH_CONCURRENCY: '0' }, cwd);
    expect(code).toBe(1);
    expect(lines).toEqual(['configuration error: REFRESH_CONCURRENCY: must not be less than 1']);
  });

  it('says at once that it waits for an unreachable DATABASE_URL, and for how long', async () => {
    const closed = await freePort();
    const service = start({
      NODE_ENV: 'test',
      PORT: String(await freePort()),
      DATABASE_URL: `postgresql://u:secret-pw@127.0.0.1:${closed}/tts`,
    });
    await service.until('waiting up to 15 s');
    // Still waiting: the line came at the first failed attempt, not when it gave up.
    expect(service.child.exitCode).toBeNull();
    expect(service.output()).toContain(
      `PostgreSQL at 127.0.0.1:${closed}/tts does not answer yet (ECONNREFUSED): waiting up to 15 s for it`,
    );
    expect(service.output()).not.toContain('secret-pw');
    await service.stop();
  });

  describe('in development', () => {
    let db: TestDatabase;
    let dataDir: string;
    let port: number;
    let first: Running;

    beforeAll(async () => {
      db = await createTestDatabase();
      dataDir = tempDir('tts-start-data-');
      port = await freePort();
      first = start({
        NODE_ENV: 'development',
        PORT: String(port),
        DATABASE_URL: db.url,
        DATA_DIR: dataDir,
        REFRESH_SCHEDULER_ENABLED: 'false',
      });
      await first.until('admin key:');
    }, 120000);
    afterAll(async () => {
      await first?.stop();
      await db?.drop();
    });

    it('ends its start with a short summary: URL, database, sandbox, where the admin key is', async () => {
      const output = first.output();
      const { pathname, port: dbPort } = new URL(db.url);
      expect(output).toContain(`ready: open http://localhost:${port}/ (listening on 127.0.0.1:${port})`);
      expect(output).toContain(`database: PostgreSQL at 127.0.0.1:${dbPort}${pathname} (DATABASE_URL)`);
      expect(output).toContain('TikTok sandbox: on');
      const keyFile = path.join(dataDir, 'development-admin-api-key');
      expect(output).toContain(`admin key: in ${keyFile}`);
      // The file named is the admin key.
      const adminKey = fs.readFileSync(keyFile, 'utf8').trim();
      const answer = await fetch(`http://127.0.0.1:${port}/admin/shops`, { headers: { authorization: `Bearer ${adminKey}` } });
      expect(answer.status).toBe(200);
    });

    it('listens on loopback only by default', async () => {
      const outside = Object.values(os.networkInterfaces())
        .flat()
        .find((address) => address && address.family === 'IPv4' && !address.internal);
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      if (!outside) return; // no other interface on this machine to try
      const refused = await new Promise<string>((resolve) => {
        const socket = net.connect({ host: outside.address, port }, () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    });

    it('a second instance on the same port prints one line and exits 1', async () => {
      const { code, lines } = await runToExit({
        NODE_ENV: 'development',
        PORT: String(port),
        DATABASE_URL: db.url,
        DATA_DIR: tempDir('tts-start-data-'),
      });
      expect(code).toBe(1);
      expect(lines).toEqual([`port ${port} is in use: set PORT`]);
    });
  });

  it('says which database a non-production start uses and where its data lives (embedded)', async () => {
    const dataDir = tempDir('tts-start-data-');
    const service = start({ NODE_ENV: 'test', PORT: String(await freePort()), DATA_DIR: dataDir, REFRESH_SCHEDULER_ENABLED: 'false' });
    await service.until('listening on 127.0.0.1:');
    expect(service.output()).toContain(
      `database: DATABASE_URL is not set, using an embedded PostgreSQL with its data in ${path.join(dataDir, 'postgres')}`,
    );
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    await service.stop();
  }, 120000);

  describe('with several apps (TIKTOK_APPS)', () => {
    const GLOBAL = { TIKTOK_APP_GLOBAL_KEY: 'gk', TIKTOK_APP_GLOBAL_SECRET: 'gs', TIKTOK_APP_GLOBAL_SERVICE_ID: 'gi' };
    const US = { TIKTOK_APP_US_KEY: 'uk', TIKTOK_APP_US_SECRET: 'us-secret', TIKTOK_APP_US_SERVICE_ID: 'ui' };
    const TWO = { TIKTOK_APPS: 'global,us', ...GLOBAL, ...US };
    const without = (env: NodeJS.ProcessEnv, name: string): NodeJS.ProcessEnv =>
      Object.fromEntries(Object.entries(env).filter(([key]) => key !== name));

    it.each([
      ['both forms at once', { ...TWO, TIKTOK_APP_KEY: 'k' }, 'TIKTOK_APP_KEY: cannot be set with TIKTOK_APPS'],
      ['a single-app secret beside TIKTOK_APPS', { ...TWO, TIKTOK_APP_SECRET: 's' }, 'TIKTOK_APP_SECRET: cannot be set with TIKTOK_APPS'],
      ['a missing secret', without(TWO, 'TIKTOK_APP_US_SECRET'), "TIKTOK_APP_US_SECRET: is required when any listed app's key is set"],
      ['one app key for two apps', { ...TWO, TIKTOK_APP_US_KEY: 'gk' }, 'TIKTOK_APP_US_KEY: is the same app key as TIKTOK_APP_GLOBAL_KEY'],
      ['an invalid app id', { ...TWO, TIKTOK_APPS: 'global,US' }, 'TIKTOK_APPS: must be comma-separated app ids'],
      ['a repeated app id', { ...TWO, TIKTOK_APPS: 'global,us,global' }, 'TIKTOK_APPS: lists "global" twice'],
      ['a variable of an app not listed', { ...TWO, TIKTOK_APP_EU_KEY: 'ek' }, 'TIKTOK_APP_EU_KEY: names an app TIKTOK_APPS does not list'],
    ])('refuses %s in one line naming the variable, and exits 1', async (_name, env, line) => {
      const { code, lines } = await runToExit({ NODE_ENV: 'test', DATA_DIR: tempDir('tts-start-data-'), ...env });
      expect(code).toBe(1);
      expect(lines).toHaveLength(1);
      expect(lines[0].startsWith(`configuration error: ${line}`)).toBe(true);
      expect(lines[0]).not.toContain('us-secret');
    });

    describe('on a database', () => {
      let db: TestDatabase;
      let secrets: NodeJS.ProcessEnv;

      beforeAll(async () => {
        db = await createTestDatabase();
        secrets = {
          ADMIN_API_KEY: randomBytes(32).toString('base64url'),
          API_KEY_HMAC_SECRET: randomBytes(32).toString('base64url'),
          TOKEN_ENCRYPTION_KEYS: `startup-apps:${randomBytes(32).toString('base64')}`,
        };
      });
      afterAll(async () => {
        await db?.drop();
      });

      /** A test-mode service on this database and a port of its own; `env` says which apps. */
      async function serviceEnv(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
        const port = await freePort();
        return {
          NODE_ENV: 'test',
          PORT: String(port),
          PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
          DATABASE_URL: db.url,
          DATA_DIR: tempDir('tts-start-data-'),
          REFRESH_SCHEDULER_ENABLED: 'false',
          HOUSEKEEPING_ENABLED: 'false',
          ...secrets,
          ...env,
        };
      }

      it("sends each app's consent to its own consent host, the global one by default", async () => {
        const env = await serviceEnv({ ...TWO, TIKTOK_APP_US_AUTHORIZE_URL: 'https://services.us.tiktokshop.com/open/authorize' });
        const service = start(env);
        await service.until('listening on 127.0.0.1:');
        try {
          const consentPage = async (app: string): Promise<URL> => {
            const response = await fetch(`${env.PUBLIC_BASE_URL}/auth/tiktok?app=${app}`, { redirect: 'manual' });
            expect(response.status).toBe(302);
            return new URL(response.headers.get('location') ?? '');
          };
          const us = await consentPage('us');
          expect([us.origin + us.pathname, us.searchParams.get('service_id')]).toEqual([
            'https://services.us.tiktokshop.com/open/authorize',
            'ui',
          ]);
          const global = await consentPage('global');
          expect([global.origin + global.pathname, global.searchParams.get('service_id')]).toEqual([
            'https://services.tiktokshop.com/open/authorize',
            'gi',
          ]);
        } finally {
          await service.stop();
        }
      }, 60000);

      it('serves two sandbox apps without credentials, and refuses to start once an app with stored authorizations is gone', async () => {
        const env = await serviceEnv({ TIKTOK_APPS: 'global,us' });
        const baseUrl = String(env.PUBLIC_BASE_URL);
        const first = start(env);
        await first.until('listening on 127.0.0.1:');
        try {
          for (const app of ['global', 'us']) {
            const redirect = await fetch(`${baseUrl}/auth/tiktok?app=${app}`, { redirect: 'manual' });
            const location = new URL(redirect.headers.get('location') ?? '');
            expect([location.origin + location.pathname, location.searchParams.get('service_id')]).toEqual([
              `${baseUrl}/sandbox/open/authorize`,
              `sandbox-${app}-service-id`,
            ]);
            const page = await (await fetch(location)).text();
            expect(page).toContain(`<strong id="app-id">${app}</strong>`);
          }
          rememberAdminKey(baseUrl, String(secrets.ADMIN_API_KEY));
          expect((await consent(new HttpClient(baseUrl), US_SELLER, 'us')).status).toBe(200);
        } finally {
          rememberAdminKey(baseUrl, undefined);
          await first.stop();
        }
        const stored = await query<{ app_key: string }>(db.url, 'SELECT app_key FROM seller_authorizations');
        expect(stored).toEqual([{ app_key: 'sandbox-us-app-key' }]);

        const orphaned = 'authorizations are stored for app key(s) "sandbox-us-app-key" (1 authorization(s)) that no configured app has';
        const withoutUs = await runToExit(await serviceEnv({ TIKTOK_APPS: 'global' }));
        expect(withoutUs.code).toBe(1);
        expect(errorsOf(withoutUs.lines)).toEqual([`configuration error: TIKTOK_APPS: ${orphaned}; configure that app again`]);
        const singleApp = await runToExit(await serviceEnv({}));
        expect(singleApp.code).toBe(1);
        expect(errorsOf(singleApp.lines)).toEqual([`configuration error: TIKTOK_APP_KEY: ${orphaned}; configure that app again`]);
        for (const output of [withoutUs.lines, singleApp.lines]) expect(output.join('\n')).not.toContain('start-up failed');

        // Configured again, the app's sellers are all there.
        const againEnv = await serviceEnv({ TIKTOK_APPS: 'us,global' });
        const again = start(againEnv);
        await again.until('listening on 127.0.0.1:');
        expect(await query(db.url, 'SELECT app_key, open_id FROM seller_authorizations')).toEqual([
          { app_key: 'sandbox-us-app-key', open_id: US_SELLER },
        ]);
        // Once its last seller is revoked (tokens destroyed), the app can be retired.
        const [{ id: usShop }] = await query<{ id: string }>(db.url, 'SELECT id FROM shops');
        const revoked = await fetch(`${againEnv.PUBLIC_BASE_URL}/admin/shops/${usShop}?app=us`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${secrets.ADMIN_API_KEY}` },
        });
        expect(revoked.status).toBe(200);
        await again.stop();
        const retired = start(await serviceEnv({ TIKTOK_APPS: 'global' }));
        await retired.until('listening on 127.0.0.1:');
        await retired.stop();
      }, 120000);
    });
  });
});
