'use strict';
// Benchmark 3: 100,000 shops stored. Resident memory of `node dist/main.js` after start-up, after
// load and with the token cache full (at its cap: TOKEN_CACHE_MAX_ENTRIES, 50,000 by default); the open-loop p99 of GET /v1/shops/{random shop}/token at
// 500 requests/s over all shops and over a 1,000-shop subset, against the node:http + pg baseline in the same
// run; then EXPLAIN (ANALYZE, BUFFERS) of the admin, token-list, scheduler, outbox and metrics queries
// (bench/scale-queries.cjs), flagging sequential scans of the large tables.
// Usage: npm run bench:scale   (DATABASE_URL optional; BENCH_SHOPS, BENCH_SECONDS, BENCH_RUNS (0: no phase 1);
//        BENCH_SKIP_LOAD=1 for the query plans only; BENCH_SERVICE_NODE_ARGS=--trace-gc adds the live heap
//        after the last full GC to each memory figure; BENCH_SERVICE_ENV='{"TOKEN_CACHE_ENABLED":"false"}';
//        BENCH_SERVICE_LOG=file keeps the service's output)
const { execFileSync } = require('node:child_process');
const { randomBytes, randomUUID } = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { Client } = require('pg');
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
  startBaseline,
  startService,
} = require('./support.cjs');
const { openLoop } = require('./open-loop.cjs');
const { explainQueries } = require('./scale-queries.cjs');
const { TokenCipher } = require('../dist/common/crypto/token-cipher');
const { parseEncryptionKeys } = require('../dist/config/encryption-keys');

const ROOT = path.resolve(__dirname, '..');
const SHOPS = Number(process.env.BENCH_SHOPS || 100000);
const SUBSET = 1000;
const DURATION = Number(process.env.BENCH_SECONDS || 10);
const RUNS = Number(process.env.BENCH_RUNS || 2);
const SKIP_LOAD = process.env.BENCH_SKIP_LOAD === '1';
const OPEN_LOOP_RATE = 500;
const FILL_CONCURRENCY = 16;
const BATCH = 5000;
const DAY = 86400;
const REGIONS = ['US', 'US', 'US', 'US', 'GB', 'GB', 'DE', 'FR', 'ES', 'IT', 'MY', 'TH', 'VN', 'PH', 'SG', 'ID', 'MX', 'JP'];

/** Deterministic, so that every run seeds the same mix. */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One authorization as the service would have left it. 94% active (access tokens expiring over the next
 * week, refreshed a day ahead, so about 2.4% due; 0.5% due but backing off after failures; authorizations ending
 * over the next year, so about 8% `expiring`, nearly all already announced), 4% needing re-consent, 2% revoked.
 */
function authorization(random, cipher, now, index) {
  const id = randomUUID();
  const token = (kind) => cipher.encrypt(`ROW_${randomBytes(72).toString('base64url')}`, `seller_authorizations:${id}:${kind}`);
  const roll = random();
  const status = roll < 0.02 ? 'revoked' : roll < 0.06 ? 'reauthorization_required' : 'active';
  const end = now + DAY + random() * 365 * DAY;
  const backingOff = status === 'active' && random() < 0.005;
  const row = {
    id,
    open_id: `scale-open-${index}`,
    name: `Seller ${index}`,
    region: REGIONS[Math.floor(random() * REGIONS.length)],
    status,
    at: status === 'revoked' ? null : token('access_token'),
    rt: status === 'revoked' ? null : token('refresh_token'),
    at_exp: now + 20 * 3600 + random() * 7 * DAY,
    rt_exp: end,
    failures: 0,
    next_refresh: null,
    err: null,
    reported: random() < 0.01 ? end - 2 * DAY : null,
    notified: status === 'active' && end < now + 29 * DAY ? now - DAY : null,
  };
  if (status === 'reauthorization_required')
    Object.assign(row, { at_exp: now - random() * 3 * DAY, failures: 1, err: 'refresh_token_invalid' });
  // Due, but backing off; still valid beyond the token API's default min_ttl (the bench must not need TikTok).
  if (backingOff) Object.assign(row, { at_exp: now + 3600 + random() * 19 * 3600, failures: 3, next_refresh: now + 900, err: 'timeout' });
  return row;
}

/**
 * SHOPS shops over authorizations holding 3, 2, 1, 1, 1 shops in turn; 1% of the shops of live
 * authorizations deauthorized and 0.5% revoked; the shops of revoked authorizations revoked. Events: a grant
 * and five refreshes per authorization and one `shop_added` per shop; an outbox of 100,000 delivered
 * notifications and a few due. Returns the shops a token can be fetched for (active shop, active authorization).
 */
async function seed(url, keysEnv) {
  const cipher = new TokenCipher(parseEncryptionKeys(keysEnv));
  const random = prng(5);
  const now = Date.now() / 1000;
  const client = new Client({ connectionString: url });
  await client.connect();
  const servable = [];
  try {
    let shopCount = 0;
    for (let index = 0; shopCount < SHOPS;) {
      const auths = [];
      const shops = [];
      while (auths.length < BATCH && shopCount < SHOPS) {
        const auth = authorization(random, cipher, now, index);
        auths.push(auth);
        for (let j = 0; j < [3, 2, 1, 1, 1][index % 5] && shopCount < SHOPS; j += 1, shopCount += 1) {
          const roll = random();
          const status = auth.status === 'revoked' ? 'revoked' : roll < 0.01 ? 'deauthorized' : roll < 0.015 ? 'revoked' : 'active';
          const id = `75${String(shopCount).padStart(14, '0')}`;
          shops.push({
            id,
            auth: auth.id,
            name: `Shop ${shopCount}`,
            region: j === 0 ? auth.region : REGIONS[Math.floor(random() * REGIONS.length)],
            type: random() < 0.8 ? 'LOCAL' : 'CROSS_BORDER',
            cipher: `GCP_${randomBytes(27).toString('base64url')}`,
            status,
          });
          if (status === 'active' && auth.status === 'active') servable.push(id);
        }
        index += 1;
      }
      await client.query(
        `INSERT INTO seller_authorizations (id, app_key, open_id, seller_name, seller_base_region, granted_scopes,
          access_token, refresh_token, access_token_expires_at, refresh_token_expires_at, tokens_issued_at, status, last_granted_at,
          last_refreshed_at, refresh_failures, next_refresh_at, last_refresh_error, reported_expires_at, expiring_notified_at)
        SELECT a.id::uuid, 'sandbox-app-key', a.open_id, a.name, a.region, '{seller.authorization.info,seller.shop.info}'::text[],
               a.at, a.rt, to_timestamp(a.at_exp), to_timestamp(a.rt_exp), now() - interval '1 day', a.status, now() - interval '200 days',
               now() - interval '1 day', a.failures, to_timestamp(a.next_refresh), a.err, to_timestamp(a.reported), to_timestamp(a.notified)
          FROM json_to_recordset($1::json) AS a(id text, open_id text, name text, region text, at text, rt text, at_exp float8, rt_exp float8,
               status text, failures int, next_refresh float8, err text, reported float8, notified float8)`,
        [JSON.stringify(auths)],
      );
      await client.query(
        `INSERT INTO shops (id, app_key, authorization_id, name, region, seller_type, cipher, status)
        SELECT s.id, 'sandbox-app-key', s.auth::uuid, s.name, s.region, s.type, s.cipher, s.status
          FROM json_to_recordset($1::json) AS s(id text, auth text, name text, region text, type text, cipher text, status text)`,
        [JSON.stringify(shops)],
      );
    }
    await client.query(`INSERT INTO authorization_events (authorization_id, open_id, type, detail, created_at)
      SELECT a.id, a.open_id, CASE WHEN g = 1 THEN 'granted' ELSE 'refreshed' END, '{"trigger":"scheduled"}'::jsonb, now() - make_interval(days => 200 - g * 7)
        FROM seller_authorizations a CROSS JOIN generate_series(1, 6) g ORDER BY g, a.id`);
    await client.query(`INSERT INTO authorization_events (authorization_id, open_id, shop_id, type, detail, created_at)
      SELECT s.authorization_id, NULL, s.id, 'shop_added', '{}'::jsonb, now() - interval '200 days' FROM shops s`);
    await client.query(`INSERT INTO notification_outbox (event_id, type, payload, attempts, next_attempt_at, delivered_at, created_at)
      SELECT gen_random_uuid(), 'authorization.status_changed', '{}'::jsonb, 1, now() - make_interval(mins => g), now() - make_interval(mins => g), now() - make_interval(mins => g)
        FROM generate_series(1, 100000) g`);
    await client.query(`INSERT INTO notification_outbox (event_id, type, payload, next_attempt_at)
      SELECT gen_random_uuid(), 'authorization.status_changed', '{}'::jsonb, now() FROM generate_series(1, 5)`);
    // Steady state, as autovacuum would leave it: statistics and visibility maps up to date.
    for (const table of ['seller_authorizations', 'shops', 'authorization_events', 'notification_outbox'])
      await client.query(`VACUUM ANALYZE ${table}`);
    const { rows } =
      await client.query(`SELECT (SELECT count(*) FROM seller_authorizations)::int AS authorizations, (SELECT count(*) FROM shops)::int AS shops,
        (SELECT count(*) FROM authorization_events)::int AS events, (SELECT count(*) FROM notification_outbox)::int AS outbox`);
    return { servable, counts: rows[0] };
  } finally {
    await client.end();
  }
}

function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) return Math.round(Number(match[1]) / 1024);
  } catch {
    // not Linux: ask ps
  }
  return Math.round(
    Number(
      execFileSync('ps', ['-o', 'rss=', '-p', String(pid)])
        .toString()
        .trim(),
    ) / 1024,
  );
}

/** The heap left after the service's last mark-compact, when it runs with --trace-gc. */
function liveHeapMb(output) {
  const matches = [...output.matchAll(/Mark-Compact[^\n]*?-> ([\d.]+) \(/g)];
  return matches.length > 0 ? Math.round(Number(matches[matches.length - 1][1])) : undefined;
}

/** RSS from the kernel; heap figures from the service's own Prometheus metrics (which also times the gauges). */
async function memory(port, pid, output) {
  const started = performance.now();
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const scrapeMs = Math.round(performance.now() - started);
  const metric = (name) => {
    const match = new RegExp(`^tts_process_${name} (\\S+)$`, 'm').exec(text);
    return match ? Math.round(Number(match[1]) / 2 ** 20) : null;
  };
  return {
    rss_mb: rssMb(pid),
    heap_used_mb: metric('nodejs_heap_size_used_bytes'),
    heap_total_mb: metric('nodejs_heap_size_total_bytes'),
    live_heap_after_last_full_gc_mb: liveHeapMb(output()),
    metrics_scrape_ms: scrapeMs,
  };
}

/**
 * Every shop fetched once, as fast as FILL_CONCURRENCY connections go: the token cache is then full, i.e. at its
 * cap (with the default 50,000 and 92,660 fetchable shops, about 54% of the next phase's requests hit memory).
 */
async function fetchEach(port, key, shopIds) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: FILL_CONCURRENCY });
  let next = 0;
  const failures = {};
  const fail = (why) => (failures[why] = (failures[why] ?? 0) + 1);
  const one = (shopId) =>
    new Promise((resolve) => {
      const request = http.request(
        { host: '127.0.0.1', port, path: `/v1/shops/${shopId}/token`, headers: { authorization: `Bearer ${key}` }, agent },
        (response) => {
          if (response.statusCode !== 200) fail(`HTTP ${response.statusCode}`);
          response.resume();
          response.on('end', resolve);
        },
      );
      request.on('error', (error) => {
        fail(error.code ?? error.message);
        resolve();
      });
      request.end();
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: FILL_CONCURRENCY }, async () => {
      while (next < shopIds.length) {
        next += 1;
        await one(shopIds[next - 1]);
      }
    }),
  );
  agent.destroy();
  return { seconds: Math.round((performance.now() - started) / 100) / 10, failures };
}

/** The open loop over `shopIds`; one line per phase. */
async function phase(target, key, shopIds, label) {
  const result = await openLoop({
    port: target.port,
    rate: OPEN_LOOP_RATE,
    seconds: DURATION,
    headers: { authorization: `Bearer ${key}` },
    path: () => `/v1/shops/${shopIds[Math.floor(Math.random() * shopIds.length)]}/token`,
  });
  process.stdout.write(
    `${label.padEnd(40)} ${target.name.padEnd(9)} p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms, max ${result.max_ms} ms, non-2xx ${result.non_2xx}, errors ${result.errors}, generator lag p99 ${result.send_lag_p99_ms} ms\n`,
  );
  return result;
}

function summarizePhase(runs) {
  return {
    p50_ms: median(runs.map((r) => r.p50_ms)),
    p99_ms: median(runs.map((r) => r.p99_ms)),
    p99_ms_range: spread(runs.map((r) => r.p99_ms)),
    failures: runs.reduce((n, r) => n + r.non_2xx + r.errors, 0),
    runs,
  };
}

/**
 * Phase 1, RUNS times alternating baseline and service: the 1,000-shop subset, then all shops (the cache holds
 * only what was fetched in the last minute). Then every shop fetched once (cache full, at its cap) and phase 2 at once.
 */
async function measureLoad(baseline, service, key, servable, log) {
  const subset = servable.slice(0, SUBSET);
  const mem = () => memory(service.port, service.pid, service.output);
  const memoryAt = { after_start: await mem() };
  for (const target of [baseline, service])
    await openLoop({
      port: target.port,
      rate: OPEN_LOOP_RATE,
      seconds: 3,
      headers: { authorization: `Bearer ${key}` },
      path: () => `/v1/shops/${subset[Math.floor(Math.random() * subset.length)]}/token`,
    });
  const runs = { subset: { baseline: [], service: [] }, all: { baseline: [], service: [] }, cache_full: { baseline: [], service: [] } };
  for (let run = 1; run <= RUNS; run += 1) {
    for (const target of [baseline, service]) runs.subset[target.name].push(await phase(target, key, subset, `run ${run} ${SUBSET} shops`));
    for (const target of [baseline, service])
      runs.all[target.name].push(await phase(target, key, servable, `run ${run} all ${servable.length} shops`));
  }
  memoryAt.after_phase_1 = await mem();
  log(`memory after phase 1: ${JSON.stringify(memoryAt.after_phase_1)}\n`);
  const fill = await fetchEach(service.port, key, servable);
  memoryAt.cache_full = await mem();
  log(
    `every shop fetched once in ${fill.seconds} s (failures: ${JSON.stringify(fill.failures)}); memory with the cache full: ${JSON.stringify(memoryAt.cache_full)}\n`,
  );
  for (const target of [service, baseline])
    runs.cache_full[target.name].push(await phase(target, key, servable, `cache full, all ${servable.length} shops`));
  memoryAt.after_phase_2 = await mem();
  const results = {};
  for (const [name, byTarget] of Object.entries(runs)) {
    if (byTarget.service.length > 0)
      results[name] = { baseline: summarizePhase(byTarget.baseline), service: summarizePhase(byTarget.service) };
  }
  return { results, memory: memoryAt, fill };
}

/** Admin endpoints through HTTP (median of 3), for the end-to-end view of the plans. */
async function adminTimings(port, adminKey, midShopId) {
  const paths = [
    '/admin/shops',
    '/admin/shops?page=1000',
    '/admin/shops?status=expiring',
    '/admin/shops?status=revoked',
    `/admin/shops/${midShopId}/events`,
    '/admin/authorizations',
    '/admin/authorizations?status=reauthorization_required',
    '/v1/shops',
    '/metrics',
    '/auth/status',
  ];
  const timings = {};
  for (const pathname of paths) {
    const times = [];
    let bytes = 0;
    let status = 0;
    for (let i = 0; i < 3; i += 1) {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}${pathname}`, { headers: { authorization: `Bearer ${adminKey}` } });
      bytes = (await response.arrayBuffer()).byteLength;
      status = response.status;
      times.push(Math.round(performance.now() - started));
    }
    timings[pathname] = { ms: median(times), status, bytes };
    process.stdout.write(`HTTP GET ${pathname.padEnd(52)} ${String(median(times)).padStart(6)} ms  ${status}  ${bytes} bytes\n`);
  }
  return timings;
}

async function main() {
  const host = machine();
  const log = (line) => process.stdout.write(line);
  log(`machine: ${host.cores} cores (${host.cpu}), Node ${host.node}, ${host.memory_gb} GiB\n`);
  const db = await benchDatabase('tts_scale');
  const env = serviceSecrets(db.url);
  const children = [];
  let serviceOutput;
  try {
    const service = await startService(env);
    children.push(service.child);
    serviceOutput = service.output;
    const servicePort = service.port;
    const seedStarted = performance.now();
    const { servable, counts } = await seed(db.url, env.TOKEN_ENCRYPTION_KEYS);
    log(
      `seeded in ${Math.round((performance.now() - seedStarted) / 1000)} s: ${JSON.stringify(counts)}, ${servable.length} shops with a fetchable token; database ${db.kind}\n`,
    );
    const client = new Client({ connectionString: db.url });
    await client.connect();
    const {
      rows: [mid],
    } = await client.query(
      `SELECT s.id AS shop_id, (SELECT id FROM seller_authorizations ORDER BY id OFFSET $2 LIMIT 1) AS authorization_id
      FROM shops s WHERE s.id = $1`,
      [servable[Math.floor(servable.length / 2)], Math.floor(counts.authorizations / 2)],
    );
    // A run that has claimed 2,000 already: they carry its stamp (refresh_claimed_at), its later claims skip them.
    const {
      rows: [run],
    } = await client.query(
      `WITH stamped AS (
         UPDATE seller_authorizations SET refresh_claimed_at = now()
          WHERE id IN (SELECT id FROM seller_authorizations WHERE status = 'active' ORDER BY access_token_expires_at LIMIT 2000)
          RETURNING id)
       SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS started_at, (SELECT count(*) FROM stamped)::int AS seen`,
    );
    const {
      rows: [pg],
    } = await client.query('SHOW server_version');
    await client.end();

    let load;
    let admin;
    if (!SKIP_LOAD) {
      const key = await createServiceKey(servicePort, env.ADMIN_API_KEY);
      const baselinePort = await freePort();
      children.push((await startBaseline(env, baselinePort)).child);
      log(`scale: open loop at ${OPEN_LOOP_RATE} req/s, ${DURATION} s per phase, ${RUNS} runs\n`);
      load = await measureLoad(
        { name: 'baseline', port: baselinePort },
        { name: 'service', port: servicePort, pid: service.child.pid, output: service.output },
        key,
        servable,
        log,
      );
      admin = await adminTimings(servicePort, env.ADMIN_API_KEY, mid.shop_id);
    }

    log(`query plans at ${counts.shops} shops (PostgreSQL ${pg.server_version}): median of 3, planning + execution\n`);
    const queries = await explainQueries(
      db.url,
      env,
      {
        midShopId: mid.shop_id,
        midAuthorizationId: mid.authorization_id,
        limitedShopIds: servable.slice(100, 103),
        runStartedAt: run.started_at,
        seenCount: run.seen,
        totalShops: counts.shops,
      },
      log,
    );
    const onSeqScan = queries.filter((q) => q.seq_scan_on.length > 0).map((q) => q.label);

    const summary = { queries_with_seq_scan_on_a_large_table: onSeqScan };
    if (load) {
      const { results, memory: mem } = load;
      const ratio = (phaseName) => +(results[phaseName].service.p99_ms / results[phaseName].baseline.p99_ms).toFixed(2);
      Object.assign(summary, {
        rss_mb: {
          after_start: mem.after_start.rss_mb,
          after_phase_1: mem.after_phase_1.rss_mb,
          cache_full: mem.cache_full.rss_mb,
          after_phase_2: mem.after_phase_2.rss_mb,
        },
        p99_ms: Object.fromEntries(
          Object.entries(results).map(([name, r]) => [
            name,
            { service: r.service.p99_ms, baseline: r.baseline.p99_ms, ratio: ratio(name) },
          ]),
        ),
      });
      const vsSubset = (phaseName, target) =>
        results[phaseName] && results.subset ? +(results[phaseName][target].p99_ms / results.subset[target].p99_ms).toFixed(2) : undefined;
      summary.p99_vs_subset = {
        all: { service: vsSubset('all', 'service'), baseline: vsSubset('all', 'baseline') },
        cache_full: { service: vsSubset('cache_full', 'service'), baseline: vsSubset('cache_full', 'baseline') },
      };
      const mb = (m) =>
        `${m.rss_mb}${m.live_heap_after_last_full_gc_mb === undefined ? '' : ` (live heap ${m.live_heap_after_last_full_gc_mb})`}`;
      log(
        `RSS (MB): after start-up ${mb(mem.after_start)}, after phase 1 ${mb(mem.after_phase_1)}, cache full ${mb(mem.cache_full)}, after phase 2 ${mb(mem.after_phase_2)} (target < 300)\n`,
      );
      for (const [name, r] of Object.entries(summary.p99_ms))
        log(`p99 ${name.padEnd(10)} service ${r.service} ms, baseline ${r.baseline} ms, ratio ${r.ratio}x\n`);
      for (const [name, r] of Object.entries(summary.p99_vs_subset))
        log(`p99 ${name} / ${SUBSET} shops: service ${r.service}x, baseline ${r.baseline}x (target: unchanged within noise)\n`);
      const failed = Object.values(results).reduce((n, r) => n + r.service.failures + r.baseline.failures, 0);
      if (failed > 0) throw new Error(`${failed} requests failed: the figures are not comparable`);
    }
    log(`queries with a sequential scan of a large table: ${onSeqScan.length === 0 ? 'none' : onSeqScan.join('; ')}\n`);

    const out = path.join(__dirname, 'results', `scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    fs.writeFileSync(
      out,
      `${JSON.stringify(
        {
          benchmark: 'scale',
          date: new Date().toISOString(),
          machine: host,
          database: db.kind,
          postgres: pg.server_version,
          rows: counts,
          service_node_args: service.settings.node_args,
          service_env: service.settings.env,
          fetchable_shops: servable.length,
          subset: SUBSET,
          duration_seconds: DURATION,
          runs: RUNS,
          open_loop_rate: OPEN_LOOP_RATE,
          summary,
          load,
          admin_http: admin,
          queries,
        },
        null,
        2,
      )}\n`,
    );
    log(`written ${path.relative(ROOT, out)}\n`);
  } finally {
    await finishRun({ children, db, serviceOutput });
  }
}

runBenchmark(main);
