'use strict';
// What every benchmark needs: the machine's description, a fresh database (on DATABASE_URL's server, or on an
// embedded PostgreSQL started for the run), and one-off queries.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Client } = require('pg');
const { freePort, startEmbeddedPostgres } = require('../dist/database/embedded-postgres');

function withDatabase(url, name) {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function sql(url, text, params) {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

function machine() {
  return { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, memory_gb: Math.round(os.totalmem() / 2 ** 30) };
}

/** A new database for one run; `drop()` removes it (and the embedded server, if one was started). */
async function benchDatabase(prefix) {
  let embedded;
  let dataDir;
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-bench-pg-'));
    fs.chmodSync(dataDir, 0o755);
    embedded = await startEmbeddedPostgres({ dataDir, ephemeral: true, database: 'postgres', logger: { log: () => {}, warn: () => {} } });
    serverUrl = embedded.url;
  }
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  await sql(withDatabase(serverUrl, 'postgres'), `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(serverUrl, name),
    kind: process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded',
    drop: async () => {
      await sql(withDatabase(serverUrl, 'postgres'), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await embedded?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const ROOT = path.resolve(__dirname, '..');

/** A child process in the repository root, its output kept for diagnosis. */
function start(command, args, env) {
  const child = spawn(command, args, { cwd: ROOT, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** Waits up to 30 s for `url` to answer anything but a 5xx. */
async function waitFor(url) {
  for (let i = 0; i < 300; i += 1) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      // not yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** A new service key from the service at `port`. */
async function createServiceKey(port, adminKey) {
  const created = await fetch(`http://127.0.0.1:${port}/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'bench' }),
  });
  return (await created.json()).key;
}

/** The middle of the runs (for an even count, the upper of the two middle ones) and their range. */
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const spread = (values) => `${Math.min(...values)}-${Math.max(...values)}`;

/** Fresh secrets for one run on the database at `url`, shared by the service and the baseline. */
function serviceSecrets(url) {
  return {
    DATABASE_URL: url,
    TOKEN_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    ADMIN_API_KEY: randomBytes(32).toString('base64url'),
    API_KEY_HMAC_SECRET: randomBytes(32).toString('base64url'),
  };
}

/**
 * `node dist/main.js` on a free port, ready: the scheduler off, warn-level logs, a pool of 10 as the baseline.
 * BENCH_SERVICE_NODE_ARGS (e.g. --trace-gc, --cpu-prof) and BENCH_SERVICE_ENV (JSON) apply; both are returned
 * for the result file.
 */
async function startService(secrets) {
  const port = await freePort();
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS || '').split(' ').filter(Boolean);
  const extraEnv = JSON.parse(process.env.BENCH_SERVICE_ENV || '{}');
  const service = start(process.execPath, [...nodeArgs, 'dist/main.js'], {
    ...secrets,
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tts-bench-')),
    REFRESH_SCHEDULER_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    DATABASE_POOL_SIZE: '10',
    ...extraEnv,
  });
  try {
    await waitFor(`http://127.0.0.1:${port}/health/ready`);
  } catch (error) {
    service.child.kill('SIGKILL');
    throw new Error(`${error.message}\n${service.output()}`);
  }
  return { ...service, port, settings: { node_args: nodeArgs.join(' '), env: extraEnv } };
}

/**
 * The end of a run: the service's output kept when BENCH_SERVICE_LOG names a file (with
 * BENCH_SERVICE_NODE_ARGS=--trace-gc: its pauses), the children stopped, the run's database dropped.
 */
async function finishRun({ children, db, serviceOutput }) {
  if (process.env.BENCH_SERVICE_LOG && serviceOutput) fs.writeFileSync(process.env.BENCH_SERVICE_LOG, serviceOutput());
  for (const child of children) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await db.drop();
}

/** Runs a benchmark's `main`; a failure prints its stack and exits 1. */
function runBenchmark(main) {
  main().catch((error) => {
    process.stderr.write(`benchmark failed: ${error.stack || error}\n`);
    process.exit(1);
  });
}

/** The node:http + pg baseline (baseline-server.cjs) on a free port, with the service's secrets and pool size. */
async function startBaseline(env, port) {
  const baseline = start(process.execPath, ['bench/baseline-server.cjs'], { ...env, PORT: String(port), POOL_SIZE: '10' });
  await waitFor(`http://127.0.0.1:${port}/`);
  return baseline;
}

module.exports = {
  benchDatabase,
  createServiceKey,
  finishRun,
  machine,
  median,
  runBenchmark,
  serviceSecrets,
  spread,
  sql,
  start,
  startBaseline,
  startService,
  waitFor,
};
