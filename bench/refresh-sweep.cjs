'use strict';
// Benchmark 2: 10,000 authorizations all due, the emulator answering refreshes with 50 ms of added
// latency, REFRESH_CONCURRENCY 16: time until all are refreshed by the scheduler of `node dist/main.js`,
// against the ideal (count x latency / concurrency), the refresh calls the emulator saw, the database round
// trips per refresh (measured in the service by bench/count-queries.cjs) and transactions (pg_stat_database).
// Usage: npm run bench:sweep   (DATABASE_URL optional; BENCH_AUTHORIZATIONS to change the count)
const { spawn } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { freePort } = require('../dist/database/embedded-postgres');
const { benchDatabase, machine, runBenchmark, sql, waitFor } = require('./support.cjs');
const { startSandboxServer } = require('../dist/sandbox/standalone');
const { TokenCipher } = require('../dist/common/crypto/token-cipher');
const { parseEncryptionKeys } = require('../dist/config/encryption-keys');

const ROOT = path.resolve(__dirname, '..');
const COUNT = Number(process.env.BENCH_AUTHORIZATIONS || 10000);
const LATENCY_MS = 50;
const CONCURRENCY = 16;
const CREDENTIALS = { appKey: 'bench-app', appSecret: 'bench-secret-0123456789', serviceId: 'bench-service' };

async function control(sandbox, pathname, body) {
  const response = await fetch(`${sandbox.url}/_control/${pathname}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.adminKey}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${pathname}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Grants in the emulator and the matching encrypted rows in the database, as consents would leave them. */
async function seed(sandbox, url, keys) {
  const cipher = new TokenCipher(parseEncryptionKeys(keys));
  const batch = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await sql(
      url,
      `INSERT INTO seller_authorizations (id, app_key, open_id, seller_name, access_token, refresh_token,
        access_token_expires_at, refresh_token_expires_at, tokens_issued_at, status, last_granted_at)
      SELECT a.id::uuid, $2, a.open_id, a.open_id, a.at, a.rt, to_timestamp(a.at_exp), to_timestamp(a.rt_exp), now(), 'active', now()
        FROM json_to_recordset($1::json) AS a(id text, open_id text, at text, rt text, at_exp bigint, rt_exp bigint)`,
      [JSON.stringify(batch), CREDENTIALS.appKey],
    );
    await sql(
      url,
      `INSERT INTO shops (id, app_key, authorization_id, name, region, cipher, status)
      SELECT a.shop, $2, a.id::uuid, a.shop, 'GB', 'C' || a.shop, 'active' FROM json_to_recordset($1::json) AS a(id text, shop text)`,
      [JSON.stringify(batch), CREDENTIALS.appKey],
    );
    batch.length = 0;
  };
  const one = async (i) => {
    const openId = `sweep-${i}`;
    const shop = `74${String(i).padStart(14, '0')}`;
    await control(sandbox, 'sellers', {
      open_id: openId,
      seller_name: openId,
      seller_base_region: 'GB',
      shops: [{ id: shop, name: shop, region: 'GB', seller_type: 'LOCAL' }],
    });
    const { code } = await control(sandbox, 'codes', { open_id: openId });
    const query = new URLSearchParams({
      app_key: CREDENTIALS.appKey,
      app_secret: CREDENTIALS.appSecret,
      auth_code: code,
      grant_type: 'authorized_code',
    });
    const { data } = await (await fetch(`${sandbox.url}/api/v2/token/get?${query}`)).json();
    const id = randomUUID();
    batch.push({
      id,
      shop,
      open_id: openId,
      at: cipher.encrypt(data.access_token, `seller_authorizations:${id}:access_token`),
      rt: cipher.encrypt(data.refresh_token, `seller_authorizations:${id}:refresh_token`),
      at_exp: data.access_token_expire_in,
      rt_exp: data.refresh_token_expire_in,
    });
    if (batch.length >= 500) await flush();
  };
  for (let i = 0; i < COUNT; i += 50) await Promise.all(Array.from({ length: Math.min(50, COUNT - i) }, (_, j) => one(i + j)));
  await flush();
}

/** Round trips counted by the service at `at` (epoch ms), between its two nearest samples. */
function roundTripsAt(samples, at) {
  let previous = samples[0];
  for (const sample of samples) {
    if (sample[0] >= at) {
      const span = sample[0] - previous[0];
      return span > 0 ? previous[1] + ((sample[1] - previous[1]) * (at - previous[0])) / span : sample[1];
    }
    previous = sample;
  }
  return previous[1];
}

async function main() {
  const host = machine();
  process.stdout.write(`machine: ${host.cores} cores (${host.cpu}), Node ${host.node}\n`);
  const db = await benchDatabase('tts_sweep');
  const url = db.url;
  const sandbox = await startSandboxServer({
    apps: [{ id: 'default', ...CREDENTIALS, redirectUrl: 'http://127.0.0.1:9/auth/callback' }],
    accessTokenTtlSeconds: 7 * 86400,
    refreshTokenTtlSeconds: 365 * 86400,
  });
  const keys = `bench:${randomBytes(32).toString('base64')}`;
  let child;
  try {
    // Migrate by starting the service once with the scheduler off.
    const port = await freePort();
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'development',
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: url,
      DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tts-sweep-')),
      TOKEN_ENCRYPTION_KEYS: keys,
      ADMIN_API_KEY: randomBytes(32).toString('base64url'),
      API_KEY_HMAC_SECRET: randomBytes(32).toString('base64url'),
      TIKTOK_SANDBOX: 'false',
      TIKTOK_APP_KEY: CREDENTIALS.appKey,
      TIKTOK_APP_SECRET: CREDENTIALS.appSecret,
      TIKTOK_SERVICE_ID: CREDENTIALS.serviceId,
      TIKTOK_AUTHORIZE_URL: `${sandbox.url}/open/authorize`,
      TIKTOK_AUTH_BASE_URL: sandbox.url,
      TIKTOK_API_BASE_URL: sandbox.url,
      LOG_LEVEL: 'warn',
      DATABASE_POOL_SIZE: String(CONCURRENCY + 4),
      REFRESH_CONCURRENCY: String(CONCURRENCY),
      REFRESH_BATCH_SIZE: '200',
      REFRESH_CRON: '* * * * * *',
      REFRESH_CLAIM_SECONDS: '120',
    };
    const migrate = spawn(process.execPath, ['dist/main.js'], {
      cwd: ROOT,
      env: { ...env, REFRESH_SCHEDULER_ENABLED: 'false' },
      stdio: 'ignore',
    });
    try {
      await waitFor(`http://127.0.0.1:${port}/health/ready`);
    } finally {
      migrate.kill('SIGTERM');
    }
    await new Promise((resolve) => migrate.once('exit', resolve));

    const seedStart = Date.now();
    await seed(sandbox, url, keys);
    process.stdout.write(`seeded ${COUNT} authorizations in ${((Date.now() - seedStart) / 1000).toFixed(1)} s\n`);
    await control(sandbox, 'config', { latency_ms: LATENCY_MS });
    await sql(url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '1 hour'");
    const callsBefore = (await control(sandbox, 'stats')).calls.token_refresh ?? 0;
    const [{ xact: xactBefore }] = (
      await sql(url, 'SELECT xact_commit + xact_rollback AS xact FROM pg_stat_database WHERE datname = current_database()')
    ).rows;

    const countsFile = path.join(env.DATA_DIR, 'round-trips.json');
    const started = Date.now();
    child = spawn(process.execPath, ['-r', './bench/count-queries.cjs', 'dist/main.js'], {
      cwd: ROOT,
      env: { ...env, REFRESH_SCHEDULER_ENABLED: 'true', COUNT_QUERIES_FILE: countsFile },
      stdio: 'ignore',
    });
    let done = 0;
    let polls = 0;
    // The service's round trips between the first and the last refresh seen are the refreshes' own, without its
    // start-up and shutdown.
    let first;
    while (done < COUNT) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      done = Number(
        (await sql(url, "SELECT count(*) AS n FROM seller_authorizations WHERE access_token_expires_at > now() + interval '2 days'"))
          .rows[0].n,
      );
      polls += 1;
      if (done > 0 && !first) first = { at: Date.now(), done };
      if (Date.now() - started > 600000) throw new Error(`only ${done} refreshed after 10 minutes`);
    }
    const last = { at: Date.now(), done };
    const elapsed = (Date.now() - started) / 1000;
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    child = undefined;
    const counts = JSON.parse(fs.readFileSync(countsFile, 'utf8'));
    const between = roundTripsAt(counts.samples, last.at) - roundTripsAt(counts.samples, first.at);
    const stats = await control(sandbox, 'stats');
    const calls = stats.calls.token_refresh - callsBefore;
    const perSeller = Object.values(stats.refreshes_by_open_id);
    const [{ xact: xactAfter }] = (
      await sql(url, 'SELECT xact_commit + xact_rollback AS xact FROM pg_stat_database WHERE datname = current_database()')
    ).rows;
    const ideal = (COUNT * LATENCY_MS) / 1000 / CONCURRENCY;
    const result = {
      benchmark: 'refresh-sweep',
      date: new Date().toISOString(),
      machine: host,
      database: db.kind,
      authorizations: COUNT,
      latency_ms: LATENCY_MS,
      concurrency: CONCURRENCY,
      seconds: +elapsed.toFixed(1),
      ideal_seconds: +ideal.toFixed(1),
      ratio_to_ideal: +(elapsed / ideal).toFixed(2),
      refresh_calls: calls,
      sellers_refreshed_more_than_once: perSeller.filter((n) => n > 1).length,
      round_trips_per_refresh: last.done > first.done ? +(between / (last.done - first.done)).toFixed(3) : null,
      round_trips_per_refresh_whole_service: +(counts.total / COUNT).toFixed(3),
      round_trips_per_refresh_with_polls: +((counts.total + polls) / COUNT).toFixed(3),
      round_trips: {
        service_total: counts.total,
        between_first_and_last_refresh: Math.round(between),
        refreshes_in_between: last.done - first.done,
        progress_polls: polls,
        by_statement: counts.by_statement,
        connections_opened: counts.connections,
      },
      transactions_per_refresh: +((Number(xactAfter) - Number(xactBefore)) / COUNT).toFixed(2),
    };
    process.stdout.write(
      `refresh sweep: ${COUNT} authorizations in ${result.seconds} s; ideal ${result.ideal_seconds} s (${COUNT} x ${LATENCY_MS} ms / ${CONCURRENCY}); ratio ${result.ratio_to_ideal}x (target <= 1.25)\n`,
    );
    process.stdout.write(
      `emulator refresh calls: ${calls} (must be ${COUNT}); sellers refreshed more than once: ${result.sellers_refreshed_more_than_once}\n`,
    );
    process.stdout.write(
      `database round trips per refresh: ${result.round_trips_per_refresh} between the first and the last refresh seen (target <= 3); ` +
        `${result.round_trips_per_refresh_whole_service} over the service's whole run (start-up included), ${result.round_trips_per_refresh_with_polls} with this benchmark's ${polls} progress polls\n`,
    );
    const statements = Object.entries(counts.by_statement)
      .sort((a, b) => b[1] - a[1])
      .map(([statement, n]) => `${statement} ${n}`)
      .join(', ');
    process.stdout.write(`service round trips by statement: ${statements}; connections opened: ${counts.connections}\n`);
    // Not only the service's: its start-up, the pollers, and the backend of its LISTEN connection, which reads
    // every notification in a transaction of its own (about one per refresh, and no round trip).
    process.stdout.write(
      `database transactions per refresh (pg_stat_database; start-up, pollers and the cache listener's reading of each NOTIFY included): ${result.transactions_per_refresh}\n`,
    );
    const out = path.join(__dirname, 'results', `refresh-sweep-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
    process.stdout.write(`written ${path.relative(ROOT, out)}\n`);
    if (calls !== COUNT || result.sellers_refreshed_more_than_once > 0) {
      process.stderr.write(`refresh sweep failed its own check: ${calls} refresh calls for ${COUNT} authorizations\n`);
      process.exitCode = 1;
    }
  } finally {
    child?.kill('SIGKILL');
    await sandbox.close();
    await db.drop();
  }
}

runBenchmark(main);
