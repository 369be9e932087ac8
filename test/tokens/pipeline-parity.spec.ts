import fs from 'node:fs';
import http from 'node:http';
import { TokenFastPath } from '../../src/tokens/token-fast-path';
import { query } from '../support/database';
import { Cluster, consentVia, sandboxControl, seedSellers, startCluster } from '../support/replicas';
import { recordSecrets } from '../support/secrets';
import { createServiceKey, KeyClient } from '../support/tokens';
import { waitFor } from '../support/wait';

/**
 * The token route answered by its two paths, side by side: one instance with the fast path (answered before
 * Express when it can), one without it (every request through Nest's router, guard, pipes and filter). Every
 * success and every refusal the route can give goes to both, and the two must agree on the status, the
 * headers, the body, the access-log line and what the metric counted.
 */

/** Headers that differ between any two answers, whoever gives them (the request id is checked on its own). */
const VOLATILE_HEADERS = new Set(['date', 'x-request-id', 'keep-alive', 'connection']);
/** Fields of a log line that differ between any two lines. */
const VOLATILE_LOG = ['time', 'pid', 'hostname', 'responseTime'] as const;

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  log: Record<string, unknown>;
  counted: Record<string, number>;
}

interface Case {
  name: string;
  /** The key (or keys: one Authorization header each) the request presents. */
  key: () => string | string[] | undefined;
  path: () => string;
  method?: string;
  /** Refused before routing (on both paths), so not counted as the route's answer. */
  unrouted?: true;
  /** Answered by the fast path itself on the instance that has it. */
  fast: boolean;
  status: number;
}

describe('token route: the fast path and the Nest route answer alike', () => {
  let cluster: Cluster;
  let fastAnswers = 0;
  let keys: { all: string; other: string; tenant: string; connect: string };
  const shops: string[] = [];

  const instance = (path: 'fast' | 'full') => cluster.instances[path === 'fast' ? 0 : 1];

  beforeAll(async () => {
    // The second instance runs without the fast path; both have the cache, on one database and one emulator.
    cluster = await startCluster(
      2,
      { TOKEN_CACHE_ENABLED: 'true', LOG_LEVEL: 'info', REFRESH_BACKOFF_BASE_SECONDS: '1', REFRESH_BACKOFF_MAX_SECONDS: '1' },
      (index) => (index === 1 ? { TOKEN_FAST_PATH_ENABLED: 'false' } : {}),
    );
    const fastPath = instance('fast').app.get<TokenFastPath, { send: (...args: unknown[]) => void }>(TokenFastPath);
    const send = fastPath.send.bind(fastPath);
    fastPath.send = (...args: unknown[]) => {
      fastAnswers += 1;
      send(...args);
    };
    const sellers = await seedSellers(cluster.sandbox, 5, 'parity');
    for (const seller of sellers) {
      await consentVia(instance('fast'), cluster.sandbox, seller.openId);
      shops.push(seller.shopId);
    }
    const fast = instance('fast');
    // shops[0] belongs to a tenant, the others to none.
    await query(cluster.db.url, "INSERT INTO tenants (tenant_id, name) VALUES ('parity-tenant', 'Parity')");
    await query(
      cluster.db.url,
      "UPDATE seller_authorizations a SET tenant_id = 'parity-tenant' FROM shops s WHERE s.authorization_id = a.id AND s.id = $1",
      [shops[0]],
    );
    const scoped = async (name: string, body: Record<string, unknown>): Promise<string> => {
      const response = await new KeyClient(fast.baseUrl, fast.adminKey).postJson('/admin/api-keys', { name, ...body });
      expect(response.status).toBe(201);
      const { key } = (await response.json()) as { key: string };
      recordSecrets([key]);
      return key;
    };
    keys = {
      all: await createServiceKey(fast.baseUrl, fast.adminKey, 'all shops'),
      other: await createServiceKey(fast.baseUrl, fast.adminKey, 'another shop', [shops[4]]),
      tenant: await scoped('a tenant', { tenant_ids: ['parity-tenant'] }),
      connect: await scoped('connect only', { tenant_ids: ['parity-tenant'], permissions: ['connect'] }),
    };
    // Every key known to both instances (the fast path takes only keys its replica has resolved before); the
    // connect-only key is refused the list, but resolved all the same.
    for (const path of ['fast', 'full'] as const) {
      for (const [name, key] of Object.entries(keys)) {
        const listed = await fetch(`${instance(path).baseUrl}/v1/shops`, { headers: { authorization: `Bearer ${key}` } });
        expect(listed.status).toBe(name === 'connect' ? 403 : 200);
      }
    }
    // Two hours of access token left: a min_ttl of 2 h needs a refresh (by TikTok for shops[1], which fails for shops[2]).
    await query(
      cluster.db.url,
      "UPDATE seller_authorizations a SET access_token_expires_at = now() + interval '1 hour' FROM shops s WHERE s.authorization_id = a.id AND s.id = ANY($1)",
      [[shops[1], shops[2]]],
    );
    const revoked = await fetch(`${fast.baseUrl}/admin/shops/${shops[3]}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${fast.adminKey}` },
    });
    expect(revoked.status).toBe(200);
    await query(
      cluster.db.url,
      "UPDATE seller_authorizations a SET status = 'reauthorization_required' FROM shops s WHERE s.authorization_id = a.id AND s.id = $1",
      [shops[4]],
    );
  });
  afterAll(async () => {
    await cluster?.close();
  });

  async function tokenCounts(path: 'fast' | 'full'): Promise<Record<string, number>> {
    const text = await (await fetch(`${instance(path).baseUrl}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const match of text.matchAll(/^tts_token_requests_total\{outcome="([a-z_]+)"\} (\d+)$/gm)) counts[match[1]] = Number(match[2]);
    return counts;
  }

  /** The access line of the request with this id, once written (the instances of one process share a log). */
  async function accessLine(id: string): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    await waitFor(() => {
      const files = new Set(cluster.instances.map((app) => app.config.log.file as string));
      const lines = [...files].flatMap((file) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : []));
      found = lines
        .filter((line) => line.includes(`"id":"${id}"`))
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .find((line) => typeof line.msg === 'string' && /^request (completed|errored|aborted)$/.test(line.msg));
      return found !== undefined;
    }, 5000);
    const line = { ...found } as Record<string, unknown> & { req: Record<string, unknown> };
    for (const field of VOLATILE_LOG) delete line[field];
    expect(line.req.id).toBe(id);
    line.req = { ...line.req, id: '(request id)' };
    return line;
  }

  async function answer(path: 'fast' | 'full', test: Case): Promise<Answer> {
    const id = `parity-${test.name.replace(/[^a-z0-9]+/gi, '-')}-${path}`;
    const before = await tokenCounts(path);
    const headers: Record<string, string | string[]> = { 'x-request-id': id, accept: 'application/json' };
    const key = test.key();
    if (key) headers.authorization = Array.isArray(key) ? key.map((k) => `Bearer ${k}`) : `Bearer ${key}`;
    const response = await send(`${instance(path).baseUrl}${test.path()}`, test.method ?? 'GET', headers);
    const body = response.body;
    expect(response.headers['x-request-id']).toBe(id);
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.headers)) {
      if (!VOLATILE_HEADERS.has(name) && value !== undefined) flat[name] = String(value);
    }
    const log = await accessLine(id);
    const after = await tokenCounts(path);
    const counted = Object.fromEntries(
      Object.entries(after)
        .map(([outcome, n]) => [outcome, n - (before[outcome] ?? 0)] as const)
        .filter(([, n]) => n !== 0),
    );
    return { status: response.status, headers: flat, body, log, counted };
  }

  /** node:http rather than fetch: it sends a repeated header as it is given. */
  function send(url: string, method: string, headers: Record<string, string | string[]>) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const request = http.request(url, { method, headers, agent: false });
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString() }),
        );
      });
      request.end();
    });
  }

  const token =
    (shop: () => string, query = '') =>
    () =>
      `/v1/shops/${shop()}/token${query}`;
  const CASES: Case[] = [
    { name: 'a miss: read from the database', key: () => keys.all, path: token(() => shops[0]), fast: true, status: 200 },
    { name: 'a hit: from memory', key: () => keys.all, path: token(() => shops[0]), fast: true, status: 200 },
    { name: 'the admin key', key: () => instance('fast').adminKey, path: token(() => shops[0]), fast: true, status: 200 },
    {
      name: "a tenant's key, its shop's owner not read yet",
      key: () => keys.tenant,
      path: token(() => shops[0]),
      fast: false,
      status: 200,
    },
    {
      name: "a tenant's key, its shop's owner in memory",
      key: () => keys.tenant,
      path: token(() => shops[0]),
      fast: true,
      status: 200,
    },
    { name: 'a tenant-scoped key, a shop of no tenant', key: () => keys.tenant, path: token(() => shops[1]), fast: false, status: 403 },
    {
      name: 'a tenant-scoped key, a shop that does not exist',
      key: () => keys.tenant,
      path: token(() => '7999999999999999'),
      fast: false,
      status: 403,
    },
    { name: 'a key without the tokens permission', key: () => keys.connect, path: token(() => shops[0]), fast: false, status: 403 },
    { name: 'min_ttl=0', key: () => keys.all, path: token(() => shops[0], '?min_ttl=0'), fast: true, status: 200 },
    {
      name: 'refreshed first (min_ttl beyond the stored expiry)',
      key: () => keys.all,
      path: token(() => shops[1], '?min_ttl=7200'),
      fast: true,
      status: 200,
    },
    { name: 'no key', key: () => undefined, path: token(() => shops[0]), fast: false, status: 401 },
    { name: 'an unknown key', key: () => `tts_${'u'.repeat(43)}`, path: token(() => shops[0]), fast: false, status: 401 },
    { name: 'a key for another shop', key: () => keys.other, path: token(() => shops[0]), fast: false, status: 403 },
    { name: 'a malformed shop id', key: () => keys.all, path: () => '/v1/shops/not.a.shop/token', fast: false, status: 400 },
    { name: 'a malformed min_ttl', key: () => keys.all, path: token(() => shops[0], '?min_ttl=abc'), fast: false, status: 400 },
    { name: 'a min_ttl over a day', key: () => keys.all, path: token(() => shops[0], '?min_ttl=99999'), fast: false, status: 400 },
    { name: 'an unknown parameter', key: () => keys.all, path: token(() => shops[0], '?min_ttl=1&extra=1'), fast: false, status: 400 },
    { name: 'a negative min_ttl', key: () => keys.all, path: token(() => shops[0], '?min_ttl=-1'), fast: false, status: 400 },
    {
      name: 'two Authorization headers',
      key: () => [keys.all, keys.other],
      path: token(() => shops[0]),
      unrouted: true,
      fast: false,
      status: 400,
    },
    {
      name: 'two Authorization headers, the same key',
      key: () => [keys.all, keys.all],
      path: token(() => shops[0]),
      unrouted: true,
      fast: false,
      status: 400,
    },
    {
      name: 'a method the route does not take',
      key: () => keys.all,
      path: token(() => shops[0]),
      method: 'DELETE',
      unrouted: true,
      fast: false,
      status: 405,
    },
    { name: 'an unknown shop', key: () => keys.all, path: token(() => '7999999999999999'), fast: false, status: 404 },
    {
      name: 'TikTok unreachable for a needed refresh',
      key: () => keys.all,
      path: token(() => shops[2], '?min_ttl=7200'),
      fast: false,
      status: 503,
    },
    { name: 'a revoked shop', key: () => keys.all, path: token(() => shops[3]), fast: false, status: 409 },
    { name: 'an authorization that needs a new consent', key: () => keys.all, path: token(() => shops[4]), fast: false, status: 409 },
  ];

  it.each(CASES.map((test) => [test.name, test] as const))('%s', async (_name, test) => {
    if (test.name === 'TikTok unreachable for a needed refresh')
      await sandboxControl(cluster.sandbox, 'faults', { endpoint: '*', type: 'http_503' });
    try {
      const before = fastAnswers;
      const fast = await answer('fast', test);
      const answeredFast = fastAnswers - before;
      const full = await answer('full', test);
      expect({ status: fast.status, fast: answeredFast }).toEqual({ status: test.status, fast: test.fast ? 1 : 0 });
      expect(fastAnswers - before).toBe(answeredFast);
      expect(full).toEqual(fast);
      const outcome = test.status === 200 ? 'served' : (JSON.parse(fast.body) as { error: string }).error;
      expect(fast.counted).toEqual(test.unrouted ? {} : { [outcome]: 1 });
    } finally {
      if (test.name === 'TikTok unreachable for a needed refresh') await sandboxControl(cluster.sandbox, 'faults', undefined, 'DELETE');
    }
  });
});
