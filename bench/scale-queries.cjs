'use strict';
// Benchmark 3's query half: the exact SQL the service sends for the admin, token-list, scheduler, outbox and
// metrics queries, captured from the compiled services themselves (dist/), then EXPLAIN (ANALYZE, BUFFERS) of
// each on the seeded database. The services get a data source that runs every statement inside one
// transaction that is rolled back, and records text and parameters; nothing is copied from the source, so a
// query changed there is measured as changed.
const { Client } = require('pg');
const { median } = require('./support.cjs');
const { loadConfig } = require('../dist/config/load-config');
const { ShopsQueryService } = require('../dist/shops/shops-query.service');
const { AuthorizationsQueryService } = require('../dist/shops/authorizations-query.service');
const { AuthorizationViewsRepository } = require('../dist/shops/authorization-views.repository');
const { AuthorizationEventsRepository } = require('../dist/shops/authorization-events.repository');
const { AuthorizationRefreshRepository } = require('../dist/shops/authorization-refresh.repository');
const { ShopsMetrics } = require('../dist/shops/shops.metrics');
const { ShopApps } = require('../dist/shops/shop-apps');
const { ShopTokensService } = require('../dist/tokens/shop-tokens.service');
const { NotificationOutboxRepository } = require('../dist/notifications/notification-outbox.repository');
const { MetricsService } = require('../dist/metrics/metrics.service');
const { TiktokApps } = require('../dist/config/tiktok-apps');

/** Tables that grow with the seller base: a sequential scan of one of them is a finding. */
const LARGE_TABLES = new Set(['shops', 'seller_authorizations', 'authorization_events', 'notification_outbox']);
const TIMED_RUNS = 3;

/** A stand-in for TypeORM's DataSource/EntityManager: same result shapes (UPDATE gives [rows, count]); its driver's pool too. */
function capturingDataSource(client, captured) {
  const query = async (text, params = []) => {
    const result = await client.query(text, params);
    captured.push({ text, params });
    return result.command === 'UPDATE' || result.command === 'DELETE' ? [result.rows, result.rowCount] : result.rows;
  };
  // The token lookup goes to pg's pool itself (a named statement): the same capture, pg's result shape.
  const master = {
    query: async (config) => {
      const result = await client.query(config.text, config.values);
      captured.push({ text: config.text, params: config.values });
      return result;
    },
  };
  return { query, transaction: async (work) => work({ query }), driver: { master } };
}

function method(target, name) {
  if (typeof target[name] !== 'function')
    throw new Error(`${target.constructor.name}.${name} no longer exists: update bench/scale-queries.cjs`);
  return target[name].bind(target);
}

/** What the scheduler and the dispatcher pass to their repositories (config.refresh; NotificationDispatcher's batch and lease). */
const OUTBOX_BATCH = 20;
const OUTBOX_LEASE_SECONDS = 120;

/**
 * The cases: `run` calls the service as the endpoint or job would; `pick` says which of the statements it
 * sent is the one measured (default: the last).
 * @param {{ midShopId: string, midAuthorizationId: string, limitedShopIds: string[], runStartedAt: string, seenCount: number, totalShops: number }} p
 */
function cases(services, p) {
  const { shops, authorizations, tokens, refreshes, outbox, metrics, views, refresh, transaction, appKey } = services;
  const claim = (runStartedAt) =>
    method(refreshes, 'claimDue')(refresh.aheadSeconds, refresh.batchSize, refresh.claimSeconds, runStartedAt);
  const admin = { kind: 'admin' };
  const lastPage = Math.ceil(p.totalShops / 50);
  return [
    { label: 'GET /admin/shops (page 1)', run: () => shops.list({}, 1, 50) },
    { label: 'GET /admin/shops?page=1000', run: () => shops.list({}, 1000, 50) },
    { label: `GET /admin/shops?page=${lastPage} (last)`, run: () => shops.list({}, lastPage, 50) },
    { label: 'GET /admin/shops?status=expiring', run: () => shops.list({ status: 'expiring' }, 1, 50) },
    { label: 'GET /admin/shops?status=reauthorization_required', run: () => shops.list({ status: 'reauthorization_required' }, 1, 50) },
    { label: 'GET /admin/shops?status=revoked', run: () => shops.list({ status: 'revoked' }, 1, 50) },
    { label: 'GET /admin/shops?status=deauthorized', run: () => shops.list({ status: 'deauthorized' }, 1, 50) },
    { label: 'GET /admin/shops?region=DE', run: () => shops.list({ region: 'DE' }, 1, 50) },
    { label: 'GET /admin/shops?status=active&region=US&page=100', run: () => shops.list({ status: 'active', region: 'US' }, 100, 50) },
    { label: 'GET /admin/shops/{id}', run: () => shops.get(p.midShopId) },
    { label: 'GET /admin/shops/{id}/events', run: () => shops.listEvents(p.midShopId, undefined, 1, 50) },
    // A full page is followed by a read of its last shop id's other apps: the page's own statement is measured.
    { label: 'GET /v1/shops (admin key, first page of 1000)', run: () => tokens.listShops(admin, { limit: 1000 }), pick: 0 },
    { label: 'GET /v1/shops?after={mid}', run: () => tokens.listShops(admin, { limit: 1000, after: p.midShopId }), pick: 0 },
    {
      label: 'GET /v1/shops (key limited to 3 shops)',
      run: () =>
        tokens.listShops(
          { kind: 'service', keyId: 'k', name: 'k', shopIds: p.limitedShopIds, tenantIds: null, permissions: ['tokens'] },
          { limit: 1000 },
        ),
      pick: 0,
    },
    { label: 'GET /admin/authorizations (first page)', run: () => authorizations.list({}, 100) },
    { label: 'GET /admin/authorizations?after={mid}', run: () => authorizations.list({}, 100, p.midAuthorizationId) },
    {
      label: 'GET /admin/authorizations?status=reauthorization_required',
      run: () => authorizations.list({ status: 'reauthorization_required' }, 100),
    },
    { label: 'GET /admin/authorizations?status=expiring', run: () => authorizations.list({ status: 'expiring' }, 100) },
    { label: 'GET /admin/authorizations?status=revoked', run: () => authorizations.list({ status: 'revoked' }, 100) },
    { label: 'scheduler claim (first batch of a run)', run: () => claim(null), pick: 0 },
    { label: `scheduler claim (${p.seenCount} already claimed in the run)`, run: () => claim(p.runStartedAt), pick: 0 },
    { label: 'scheduler announceExpiring', run: () => method(refreshes, 'markExpiring')(transaction), pick: 0 },
    { label: 'notification outbox poll', run: () => method(outbox, 'claimDue')(OUTBOX_BATCH, OUTBOX_LEASE_SECONDS), pick: 0 },
    { label: 'metrics gauge tts_authorizations', run: () => metrics.render(), pick: 0 },
    { label: 'metrics gauge tts_earliest_expiry_seconds', run: () => metrics.render(), pick: 1 },
    { label: 'token lookup by shop id (cache miss)', run: () => method(views, 'shopGrant')(p.midShopId, appKey) },
    {
      label: "a shop id's owners in every app (tenant-scoped key, or no app named with several)",
      run: () => method(views, 'shopOwners')(p.midShopId),
    },
    { label: 'GET /auth/status (first page of 1000)', run: () => authorizations.authStatus(1000) },
    { label: 'GET /auth/status?after={mid}', run: () => authorizations.authStatus(1000, p.midAuthorizationId) },
  ];
}

async function capture(client, config, parameters) {
  const captured = [];
  const ds = capturingDataSource(client, captured);
  const views = new AuthorizationViewsRepository(ds);
  const metrics = new MetricsService(config);
  const apps = new TiktokApps(config.tiktok.apps);
  new ShopsMetrics(metrics, views, apps);
  const services = {
    views,
    // One app: which app a shop id means needs no lookup (ShopApps).
    shops: new ShopsQueryService(views, new AuthorizationEventsRepository(ds), apps, new ShopApps(apps, null)),
    authorizations: new AuthorizationsQueryService(views, apps),
    tokens: new ShopTokensService(config, apps, views, null, null, null, null),
    refreshes: new AuthorizationRefreshRepository(ds, null),
    outbox: new NotificationOutboxRepository(ds),
    metrics,
    refresh: config.refresh,
    // The one app the seeded rows belong to.
    appKey: config.tiktok.apps[0].appKey,
    transaction: { query: ds.query },
  };
  const statements = [];
  await client.query('BEGIN');
  try {
    for (const item of cases(services, parameters)) {
      captured.length = 0;
      await item.run();
      const index = item.pick ?? captured.length - 1;
      if (!captured[index]) throw new Error(`${item.label}: no statement ${index} captured`);
      statements.push({ label: item.label, ...captured[index] });
    }
  } finally {
    await client.query('ROLLBACK');
  }
  return statements;
}

function nodes(plan, out = []) {
  out.push(plan);
  for (const child of plan.Plans ?? []) nodes(child, out);
  return out;
}

/** What a plan reads: sequential scans of large tables, indexes used, rows visited by scans, buffers. */
function summarize(plan) {
  const all = nodes(plan.Plan);
  const scans = all.filter((node) => /Scan/.test(node['Node Type']));
  const seq = [
    ...new Set(
      scans
        .filter((node) => node['Node Type'] === 'Seq Scan' && LARGE_TABLES.has(node['Relation Name']))
        .map((node) => node['Relation Name']),
    ),
  ];
  const indexes = [...new Set(scans.map((node) => node['Index Name']).filter(Boolean))];
  const rowsRead = scans.reduce(
    (n, node) =>
      n +
      ((node['Actual Rows'] ?? 0) + (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0)) *
        (node['Actual Loops'] ?? 1),
    0,
  );
  return {
    seq_scan_on: seq,
    indexes,
    rows_read: Math.round(rowsRead),
    buffers: (plan.Plan['Shared Hit Blocks'] ?? 0) + (plan.Plan['Shared Read Blocks'] ?? 0),
  };
}

async function explainOne(client, { text, params }) {
  const times = [];
  let plan;
  for (let i = 0; i < TIMED_RUNS; i += 1) {
    await client.query('BEGIN');
    try {
      const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${text}`, params);
      [plan] = rows[0]['QUERY PLAN'];
      times.push(plan['Planning Time'] + plan['Execution Time']);
    } finally {
      await client.query('ROLLBACK');
    }
  }
  await client.query('BEGIN');
  let textPlan;
  try {
    const { rows } = await client.query(`EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) ${text}`, params);
    textPlan = rows.map((row) => row['QUERY PLAN']);
  } finally {
    await client.query('ROLLBACK');
  }
  return { ms: Math.round(median(times) * 100) / 100, ...summarize(plan), plan: textPlan };
}

/**
 * Captures every case's statement and explains it. Returns one entry per case with the SQL, its parameters,
 * the median time of TIMED_RUNS executions (planning + execution, warm cache) and the plan.
 */
async function explainQueries(url, env, parameters, log) {
  const config = loadConfig({ ...env, NODE_ENV: 'development' });
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const statements = await capture(client, config, parameters);
    const results = [];
    for (const statement of statements) {
      const result = {
        label: statement.label,
        ...(await explainOne(client, statement)),
        sql: statement.text.replace(/\s+/g, ' ').trim(),
        params: statement.params,
      };
      results.push(result);
      const seq = result.seq_scan_on.length > 0 ? `SEQ SCAN on ${result.seq_scan_on.join(', ')}` : 'no seq scan';
      log(
        `${result.label.padEnd(58)} ${String(result.ms).padStart(8)} ms  ${String(result.rows_read).padStart(7)} rows read  ${seq}; indexes: ${result.indexes.join(', ') || '-'}\n`,
      );
    }
    return results;
  } finally {
    await client.end();
  }
}

module.exports = { explainQueries };
