import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/database/embedded-postgres';
import { ensureBuilt, waitForHttp } from '../support/built-service';
import { createTestDatabase, TestDatabase } from '../support/database';

const ROOT = path.resolve(__dirname, '../..');
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[/;
const LISTING = /InstanceLoader|RoutesResolver|RouterExplorer/;

/**
 * `node dist/main.js` in development until it answers, then stopped; its output. `tty`: run under script(1),
 * so that stdout is a terminal, as for someone who typed `npm start`.
 */
async function startAndStop(db: TestDatabase, tty: boolean, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-logs-'));
  const command = tty ? ['script', '-qfec', `exec "${process.execPath}" dist/main.js`, '/dev/null'] : [process.execPath, 'dist/main.js'];
  const child = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      TERM: 'xterm',
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      REFRESH_SCHEDULER_ENABLED: 'false',
      ...env,
    },
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 60000);
    // The start-up lines are written before the port answers; a request adds one access line.
    await fetch(`http://127.0.0.1:${port}/`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${output}`);
  } finally {
    process.kill(-(child.pid as number), 'SIGTERM');
    await exited;
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return output;
}

describe('start-up logs of node dist/main.js in development', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    ensureBuilt();
    db = await createTestDatabase();
  }, 180000);
  afterAll(async () => {
    await db?.drop();
  });

  it("are JSON lines without colour codes into a pipe, without Nest's module and route listing", async () => {
    const output = await startAndStop(db, false);
    const lines = output.split('\n').filter(Boolean);
    expect(output).not.toMatch(ANSI);
    expect(output).not.toMatch(LISTING);
    for (const line of lines) expect(() => JSON.parse(line) as unknown).not.toThrow();
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toContainEqual(
      expect.objectContaining({ level: 30, context: 'NestApplication', msg: 'Nest application successfully started' }),
    );
    expect(lines.length).toBeLessThan(20);
  }, 90000);

  it('keep the listing at debug level', async () => {
    const output = await startAndStop(db, false, { LOG_LEVEL: 'debug' });
    const listing = output
      .split('\n')
      .filter((line) => LISTING.test(line))
      .map((line) => JSON.parse(line) as { level: number });
    expect(listing.length).toBeGreaterThan(20);
    expect(listing.every(({ level }) => level === 20)).toBe(true);
  }, 90000);

  it('of the key-rotation script are JSON lines into a pipe too', () => {
    // The database has the schema by now (the service migrated it above).
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-logs-'));
    const output = execFileSync(process.execPath, ['dist/scripts/rotate-keys.js'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, NODE_ENV: 'development', DATABASE_URL: db.url, DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 60000,
    });
    fs.rmSync(dataDir, { recursive: true, force: true });
    expect(output).toContain('authorization(s) re-encrypted');
    expect(output).not.toMatch(ANSI);
    const warning = output.split('\n').find((line) => line.includes('TOKEN_ENCRYPTION_KEYS is not set')) ?? '';
    expect(JSON.parse(warning)).toMatchObject({ level: 40, context: 'TokenEncryption' });
  }, 90000);

  it('are human-readable lines on a terminal', async () => {
    const output = await startAndStop(db, true);
    const lines = output.split(/\r?\n/).filter(Boolean);
    expect(output).not.toMatch(LISTING);
    expect(lines.some((line) => /INFO.*\[NestApplication\] Nest application successfully started/.test(line))).toBe(true);
    expect(lines.some((line) => /request completed.*GET \/ 200/.test(line))).toBe(true);
    expect(lines.filter((line) => line.startsWith('{'))).toEqual([]);
  }, 90000);
});
