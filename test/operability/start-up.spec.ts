import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { ensureBuilt, spawnService } from '../support/built-service';
import { createTestDatabase, TestDatabase } from '../support/database';
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
});
