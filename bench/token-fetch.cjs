'use strict';
// Benchmark 1: GET /v1/shops/{random shop}/token with a service key, 1,000 shops with valid
// tokens, against the service (`node dist/main.js`) and a hand-written node:http + pg baseline, one after the
// other on the same machine and database. Closed loop at 32 connections (autocannon), then a constant-rate open
// loop at 500 requests/s (open-loop.cjs), each phase BENCH_RUNS times alternating between the two servers.
// Usage: npm run bench   (DATABASE_URL optional; without it an embedded PostgreSQL is started)
const { randomBytes, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const autocannon = require('autocannon');
const { freePort } = require('../dist/database/embedded-postgres');
const {
  benchDatabase,
  createServiceKey,
  finishRun,
  machine,
  median,
  runBenchmark,
  serviceSecrets,
  spread,
  sql,
  startBaseline,
  startService,
} = require('./support.cjs');
const { openLoop } = require('./open-loop.cjs');
const { TokenCipher } = require('../dist/common/crypto/token-cipher');
const { parseEncryptionKeys } = require('../dist/config/encryption-keys');

const ROOT = path.resolve(__dirname, '..');
const SHOPS = Number(process.env.BENCH_SHOPS || 1000);
const DURATION = Number(process.env.BENCH_SECONDS || 10);
const CONNECTIONS = 32;
const OPEN_LOOP_RATE = 500;
const RUNS = Number(process.env.BENCH_RUNS || 3);

async function seed(url, keysEnv) {
  const cipher = new TokenCipher(parseEncryptionKeys(keysEnv));
  const shopIds = [];
  for (let offset = 0; offset < SHOPS; offset += 500) {
    const auths = [];
    const shops = [];
    for (let i = offset; i < Math.min(SHOPS, offset + 500); i += 1) {
      const id = randomUUID();
      const shopId = `73${String(i).padStart(14, '0')}`;
      shopIds.push(shopId);
      auths.push([
        id,
        `bench-open-${i}`,
        `Seller ${i}`,
        cipher.encrypt(`ROW_${randomBytes(24).toString('base64url')}`, `seller_authorizations:${id}:access_token`),
        cipher.encrypt(`ROW_${randomBytes(24).toString('base64url')}`, `seller_authorizations:${id}:refresh_token`),
      ]);
      shops.push([shopId, id, `Shop ${i}`, `CIPHER_${i}`]);
    }
    await sql(
      url,
      `INSERT INTO seller_authorizations (id, app_key, open_id, seller_name, access_token, refresh_token,
        access_token_expires_at, refresh_token_expires_at, tokens_issued_at, status, last_granted_at)
      SELECT a.id::uuid, 'sandbox-app-key', a.open_id, a.name, a.at, a.rt, now() + interval '7 days', now() + interval '300 days', now(), 'active', now()
        FROM json_to_recordset($1::json) AS a(id text, open_id text, name text, at text, rt text)`,
      [JSON.stringify(auths.map(([id, openId, name, at, rt]) => ({ id, open_id: openId, name, at, rt })))],
    );
    await sql(
      url,
      `INSERT INTO shops (id, app_key, authorization_id, name, region, seller_type, cipher, status)
      SELECT s.id, 'sandbox-app-key', s.auth::uuid, s.name, 'GB', 'LOCAL', s.cipher, 'active' FROM json_to_recordset($1::json) AS s(id text, auth text, name text, cipher text)`,
      [JSON.stringify(shops.map(([id, auth, name, c]) => ({ id, auth, name, cipher: c })))],
    );
  }
  return shopIds;
}

function load(port, key, shopIds, options) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections: CONNECTIONS,
        duration: options.duration,
        headers: { authorization: `Bearer ${key}` },
        requests: [
          { setupRequest: (request) => ({ ...request, path: `/v1/shops/${shopIds[Math.floor(Math.random() * shopIds.length)]}/token` }) },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('error', reject);
  });
}

function summary(result) {
  return {
    requests_per_second: Math.round(result.requests.average),
    p50_ms: result.latency.p50,
    p99_ms: result.latency.p99,
    non_2xx: result.non2xx,
    errors: result.errors, // autocannon counts timeouts among the errors already
  };
}

/**
 * Each phase runs RUNS times, alternating between the two servers, so that a disturbance of the shared machine
 * hits both; the medians are compared.
 */
async function measureBoth(targets, key, shopIds) {
  const randomPath = () => `/v1/shops/${shopIds[Math.floor(Math.random() * shopIds.length)]}/token`;
  const headers = { authorization: `Bearer ${key}` };
  const runs = Object.fromEntries(targets.map(({ name }) => [name, { closed: [], open: [] }]));
  for (const { port } of targets) await load(port, key, shopIds, { duration: 3 }); // warm-up (JIT, pools, caches)
  for (let run = 1; run <= RUNS; run += 1) {
    for (const { name, port } of targets) {
      const closed = summary(await load(port, key, shopIds, { duration: DURATION }));
      runs[name].closed.push(closed);
      process.stdout.write(
        `run ${run} ${name.padEnd(9)} closed loop (${CONNECTIONS} conn): ${closed.requests_per_second} req/s, p50 ${closed.p50_ms} ms, p99 ${closed.p99_ms} ms, non-2xx ${closed.non_2xx}, errors ${closed.errors}\n`,
      );
    }
    for (const { name, port } of targets) {
      const open = await openLoop({ port, rate: OPEN_LOOP_RATE, seconds: DURATION, headers, path: randomPath });
      runs[name].open.push(open);
      process.stdout.write(
        `run ${run} ${name.padEnd(9)} open loop (${OPEN_LOOP_RATE} req/s): p50 ${open.p50_ms} ms, p99 ${open.p99_ms} ms, max ${open.max_ms} ms, non-2xx ${open.non_2xx}, errors ${open.errors}, generator lag p99 ${open.send_lag_p99_ms} ms\n`,
      );
    }
  }
  const results = {};
  for (const { name } of targets) {
    const { closed, open } = runs[name];
    results[name] = {
      requests_per_second: median(closed.map((r) => r.requests_per_second)),
      requests_per_second_range: spread(closed.map((r) => r.requests_per_second)),
      closed_p50_ms: median(closed.map((r) => r.p50_ms)),
      closed_p99_ms: median(closed.map((r) => r.p99_ms)),
      open_p50_ms: median(open.map((r) => r.p50_ms)),
      open_p99_ms: median(open.map((r) => r.p99_ms)),
      open_p99_ms_range: spread(open.map((r) => r.p99_ms)),
      failures: closed.reduce((n, r) => n + r.non_2xx + r.errors, 0) + open.reduce((n, r) => n + r.non_2xx + r.errors, 0),
      runs: runs[name],
    };
  }
  return results;
}

async function main() {
  const host = machine();
  process.stdout.write(`machine: ${host.cores} cores (${host.cpu}), Node ${host.node}, ${host.memory_gb} GiB\n`);
  const db = await benchDatabase('tts_bench');
  const url = db.url;
  const env = serviceSecrets(url);
  const children = [];
  let service;
  try {
    service = await startService(env);
    children.push(service.child);
    const servicePort = service.port;
    const shopIds = await seed(url, env.TOKEN_ENCRYPTION_KEYS);
    const key = await createServiceKey(servicePort, env.ADMIN_API_KEY);
    const baselinePort = await freePort();
    children.push((await startBaseline(env, baselinePort)).child);

    const check = await (
      await fetch(`http://127.0.0.1:${servicePort}/v1/shops/${shopIds[0]}/token`, { headers: { authorization: `Bearer ${key}` } })
    ).json();
    const checkBaseline = await (
      await fetch(`http://127.0.0.1:${baselinePort}/v1/shops/${shopIds[0]}/token`, { headers: { authorization: `Bearer ${key}` } })
    ).json();
    if (check.access_token !== checkBaseline.access_token) throw new Error('service and baseline disagree on the token');

    process.stdout.write(`token fetch: ${SHOPS} shops, ${DURATION} s per phase, database ${db.kind}\n`);
    const results = await measureBoth(
      [
        { name: 'baseline', port: baselinePort },
        { name: 'service', port: servicePort },
      ],
      key,
      shopIds,
    );
    const ratio = {
      requests_per_second: +(results.service.requests_per_second / results.baseline.requests_per_second).toFixed(2),
      p99_open_loop: +(results.service.open_p99_ms / results.baseline.open_p99_ms).toFixed(2),
    };
    for (const name of ['baseline', 'service']) {
      const r = results[name];
      process.stdout.write(
        `${name.padEnd(9)} median of ${RUNS}: ${r.requests_per_second} req/s (${r.requests_per_second_range}), p99 ${r.closed_p99_ms} ms at ${CONNECTIONS} conn; p50 ${r.open_p50_ms} ms, p99 ${r.open_p99_ms} ms (${r.open_p99_ms_range}) at ${OPEN_LOOP_RATE} req/s; failed requests ${r.failures}\n`,
      );
    }
    if (results.service.failures + results.baseline.failures > 0) throw new Error('some requests failed: the figures are not comparable');
    process.stdout.write(
      `ratio service/baseline: ${ratio.requests_per_second}x requests/s (target >= 1.0), p99 at ${OPEN_LOOP_RATE} req/s ${ratio.p99_open_loop}x (target <= 1.0 within noise)\n`,
    );
    const out = path.join(__dirname, 'results', `token-fetch-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(
      out,
      `${JSON.stringify({ benchmark: 'token-fetch', date: new Date().toISOString(), machine: host, database: db.kind, shops: SHOPS, duration_seconds: DURATION, runs: RUNS, service_node_args: service.settings.node_args, service_env: service.settings.env, connections: CONNECTIONS, open_loop_rate: OPEN_LOOP_RATE, results, ratio }, null, 2)}\n`,
    );
    process.stdout.write(`written ${path.relative(ROOT, out)}\n`);
  } finally {
    await finishRun({ children, db, serviceOutput: service?.output });
  }
}

runBenchmark(main);
