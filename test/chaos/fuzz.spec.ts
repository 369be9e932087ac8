import fc from 'fast-check';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { query } from '../support/database';
import { Cluster, consentVia, emulatorStats, seedSellers, startCluster } from '../support/replicas';
import { recordSecrets } from '../support/secrets';
import { createServiceKey } from '../support/tokens';

/** Requests per run; FUZZ_RUNS overrides, FUZZ_SEED replays a failure fast-check reported. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 10000);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

/** Every route the service serves, as the OpenAPI document lists them, plus look-alikes. */
const TEMPLATES = [
  '/',
  '/metrics',
  '/health/live',
  '/health/ready',
  '/docs',
  '/docs-json',
  '/auth/tiktok',
  '/auth/callback',
  '/auth/callback/{id}',
  '/auth/result',
  '/auth/status',
  '/favicon.ico',
  '/webhooks/tiktok',
  '/webhooks/tiktok/{id}',
  '/v1/shops',
  '/v1/shops/{id}',
  '/v1/shops/{id}/token',
  '/v1/shops/{id}/token/refresh',
  '/admin/api-keys',
  '/admin/api-keys/{id}',
  '/admin/audit',
  '/admin/authorizations',
  '/admin/authorizations/{id}',
  '/admin/shops',
  '/admin/shops/{id}',
  '/admin/shops/{id}/refresh',
  '/admin/shops/{id}/events',
  '/admin/authorizations/{id}/tenant',
  '/admin/tenants',
  '/admin/tenants/{id}',
  '/v1/connect-sessions',
  '/connect/{id}',
  '/auth/connect-demo',
  '/sandbox/_control/reset',
  '/open/authorize',
  '/api/v2/token/get',
];
const PARAMS = [
  'min_ttl',
  'limit',
  'after',
  'page',
  'status',
  'region',
  'deauthorize',
  'code',
  'state',
  'error',
  'shop_id',
  'app_key',
  'tenant_id',
  'return_url',
  'app',
  '__proto__',
  'constructor',
];
const HOSTILE = [
  "' OR '1'='1",
  '1; DROP TABLE shops; --',
  "1' UNION SELECT access_token FROM seller_authorizations --",
  '$1',
  '\\',
  "'",
  '"',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '${7*7}',
  '${jndi:ldap://127.0.0.1/a}',
  '../../../../etc/passwd',
  '..%2f..%2fetc%2fpasswd',
  '%00',
  '%',
  '%zz',
  '%C0%AF',
  '\u0000',
  '\u202e',
  '😀',
  'ǅ',
  '𝕏',
  '\uFEFF',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '99999999999999999999999',
  '0x1F',
  '1.5',
  'true',
  '[]',
  '{}',
  '[object Object]',
  ' ',
  '',
  'a'.repeat(70),
  'a'.repeat(5000),
  '7000000000000001',
  '7000000000000001,7000000000000002',
  '00000000-0000-0000-0000-000000000000',
];

interface FuzzRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Received {
  request: FuzzRequest;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Anything as one URL path or query component: percent-encoded, sometimes with raw (broken) escapes. */
const component = fc.oneof(
  fc.constantFrom(...HOSTILE).map((value) => (value.includes('%') ? value : encodeURIComponent(value))),
  fc.string({ maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map(encodeURIComponent),
  fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/),
  fc.uuid(),
);

/** Ids that exist: the seeded shops (see seedSellers) and well-formed strangers. */
const knownId = fc.constantFrom(
  '7200000000000000',
  '7200000000000001',
  '7999999999999999',
  '00000000-0000-4000-8000-000000000000',
  'demo',
  // App ids: the one configured, and one that is not.
  'default',
  'us',
);

const pathArbitrary = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...TEMPLATES),
        fc.oneof({ weight: 2, arbitrary: knownId }, component),
        fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: component }),
      )
      .map(([template, id, extra]) => template.replace('{id}', id) + (extra === undefined ? '' : `/${extra}`)),
  },
  { weight: 1, arbitrary: fc.array(component, { minLength: 1, maxLength: 6 }).map((parts) => `/${parts.join('/')}`) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '//v1//shops',
      '/v1/shops/../admin/shops',
      '/V1/SHOPS',
      '/v1/shops/%2e%2e/token',
      `/${'x'.repeat(20000)}`,
      '/%',
      '/?',
      '/#',
    ),
  },
);

const queryArbitrary = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), component), fc.oneof(component, fc.constant(''))), { maxLength: 5 })
  .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.map(([key, value]) => `${key}=${value}`).join('&')}`));

/** Printable ASCII only: what an HTTP client can put in a header at all. */
const headerValue = fc.oneof(
  fc.constantFrom(...HOSTILE.filter((value) => /^[\x20-\x7e]*$/.test(value))),
  fc.string({ maxLength: 60 }).filter((value) => /^[\x20-\x7e]*$/.test(value)),
  fc.constant('x'.repeat(8000)),
);

function bodyArbitrary(): fc.Arbitrary<{ body?: Buffer; contentType?: string; encoding?: string }> {
  const text = fc.oneof(
    fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
    fc
      .record(
        {
          name: fc.oneof(fc.constantFrom(...HOSTILE), fc.jsonValue()),
          shop_ids: fc.oneof(fc.array(fc.constantFrom(...HOSTILE)), fc.jsonValue()),
          tenant_id: fc.oneof(fc.constantFrom(...HOSTILE), fc.constantFrom('demo', 'acme'), fc.jsonValue()),
          app: fc.oneof(fc.constantFrom(...HOSTILE), fc.constantFrom('default', 'us', 'DEFAULT'), fc.jsonValue()),
          tenant_ids: fc.oneof(fc.array(fc.constantFrom(...HOSTILE)), fc.jsonValue()),
          permissions: fc.oneof(fc.array(fc.constantFrom('tokens', 'connect', ...HOSTILE)), fc.jsonValue()),
          return_url: fc.oneof(
            fc.constantFrom(...HOSTILE),
            fc.constantFrom('http://127.0.0.1:1/x', 'https://evil.example/'),
            fc.jsonValue(),
          ),
          metadata: fc.oneof(fc.dictionary(fc.string({ maxLength: 70 }), fc.constantFrom(...HOSTILE)), fc.jsonValue()),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
    fc.constantFrom(
      '{',
      '{"a":',
      '[',
      'null',
      '""',
      '{"__proto__":{"admin":true}}',
      '{"constructor":{"prototype":{"x":1}}}',
      'a=1&b=2',
      '\u0000\u0001',
    ),
    fc.constantFrom(...HOSTILE),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({}) },
    {
      weight: 6,
      arbitrary: fc.record(
        {
          body: text.map((value) => Buffer.from(value)),
          contentType: fc.constantFrom(
            'application/json',
            'application/json; charset=utf-8',
            'application/json; charset=utf-16',
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/xml',
            '*/*',
            'garbage',
          ),
          encoding: fc.constantFrom(undefined, undefined, undefined, 'gzip', 'deflate', 'br', 'identity', 'compress'),
        },
        { requiredKeys: ['body', 'contentType'] },
      ),
    },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(70_000, 300_000, 2_000_000)
        .map((size) => ({ body: Buffer.alloc(size, 'a'), contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc.uint8Array({ maxLength: 512 }).map((bytes) => ({ body: Buffer.from(bytes), contentType: 'application/octet-stream' })),
    },
  );
}

/** The heap still reachable after a full collection, in MB (gc through V8's flag: Jest does not expose it). */
function liveHeapMb(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Over a body (16 kB forms, 64 kB JSON) or header (Node's 16 kB) limit: the server may answer and close early. */
function oversized(request: FuzzRequest): boolean {
  const headerBytes = Object.entries(request.headers).reduce(
    (total, [name, value]) => total + name.length + value.length,
    request.path.length,
  );
  return (request.body?.length ?? 0) > 16 * 1024 || headerBytes > 8 * 1024;
}

/** fc.assert, with the report cut short: counterexamples carry values of megabytes. */
async function assertTruncated<T>(property: fc.IAsyncProperty<T>, parameters: fc.Parameters<T>): Promise<void> {
  try {
    await fc.assert(property, parameters);
  } catch (error) {
    // fast-check keeps the failed assertion as the cause; without it the report names no reason.
    const reason = error instanceof Error ? error.cause : undefined;
    const cause = reason === undefined ? '' : `\n\nCaused by: ${reason instanceof Error ? reason.message : JSON.stringify(reason)}`;
    const message = (error instanceof Error ? error.message : String(error)) + cause;
    const short = message
      .replace(/(.)\1{200,}/g, (run: string, char: string) => `${char}{x${run.length}}`)
      // A body is printed as Buffer.from([97,97,...]): the same byte over and over, as one item.
      .replace(/(\d{1,3},)\1{50,}/g, (run: string, item: string) => `${item}{x${run.length / item.length}}`);
    throw new Error(short.slice(0, 6000));
  }
}

describe('hostile input: property-based fuzzing of every route', () => {
  let cluster: Cluster;
  let baseUrl: string;
  let keys: { admin: string; service: string; limited: string };
  let shopIds: string[];

  beforeAll(async () => {
    cluster = await startCluster(1, {
      TOKEN_CACHE_ENABLED: 'true',
      RATE_LIMIT_PER_MINUTE: '1000000',
      RATE_LIMIT_WEBHOOKS_PER_MINUTE: '1000000',
    });
    const instance = cluster.instances[0];
    baseUrl = instance.baseUrl;
    const sellers = await seedSellers(cluster.sandbox, 2, 'fuzz');
    for (const seller of sellers) await consentVia(instance, cluster.sandbox, seller.openId);
    shopIds = sellers.map((seller) => seller.shopId);
    keys = {
      admin: instance.adminKey,
      service: await createServiceKey(baseUrl, instance.adminKey, 'fuzz all'),
      limited: await createServiceKey(baseUrl, instance.adminKey, 'fuzz one', [shopIds[0]]),
    };
  });
  afterAll(async () => {
    await cluster?.close();
  });

  function send(request: FuzzRequest): Promise<Received> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        { host: url.hostname, port: url.port, method: request.method, path: request.path, headers: request.headers, agent: false },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ request, status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }),
          );
          // The server may answer a request over a limit and close at once: the reset can cut the answer short.
          response.on('error', (error: NodeJS.ErrnoException) =>
            error.code === 'ECONNRESET' ? resolve({ request, status: -1, headers: {}, body: '' }) : reject(error),
          );
        },
      );
      // A server may answer (413, 431) and close before a huge body is sent: for such a request that is an
      // answer (the property checks which requests may end so), not an error.
      outgoing.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve({ request, status: -1, headers: {}, body: '' }) : reject(error),
      );
      if (request.body) outgoing.write(request.body);
      outgoing.end();
    });
  }

  it(`answers ${RUNS} random requests with no 5xx, no stack trace, no secret, and loses nothing`, async () => {
    const requestArbitrary: fc.Arbitrary<FuzzRequest> = fc
      .record({
        method: fc.constantFrom('GET', 'GET', 'GET', 'POST', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'),
        path: pathArbitrary,
        query: queryArbitrary,
        authorization: fc.oneof(
          fc.constant(undefined),
          fc.constantFrom('admin', 'service', 'limited').map((name) => `Bearer ${keys[name]}`),
          fc.constantFrom(
            'Bearer',
            'Bearer ',
            'bearer x',
            'Basic YWRtaW46YWRtaW4=',
            `Bearer tts_${'A'.repeat(43)}`,
            `Bearer ${'A'.repeat(10000)}`,
          ),
          headerValue,
        ),
        requestId: fc.option(headerValue, { nil: undefined }),
        cookie: fc.option(headerValue, { nil: undefined }),
        accept: fc.constantFrom(undefined, 'application/json', 'text/html', '*/*', 'image/png', 'garbage/;;'),
        forwardedFor: fc.option(headerValue, { nil: undefined }),
        payload: bodyArbitrary(),
      })
      .map(({ method, path, query: search, authorization, requestId, cookie, accept, forwardedFor, payload }) => {
        // A fuzzer with the admin key would legitimately revoke the shops it is meant to show intact.
        const target = method === 'DELETE' ? path.replace(/7[0-9]00000000000{1,2}[0-9]/g, '7999999999999999') : path;
        const headers: Record<string, string> = {};
        if (authorization !== undefined) headers.authorization = authorization;
        if (requestId !== undefined) headers['x-request-id'] = requestId;
        if (cookie !== undefined) headers.cookie = cookie;
        if (accept !== undefined) headers.accept = accept;
        if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
        if (payload.body) {
          headers['content-type'] = payload.contentType ?? 'application/json';
          if (payload.encoding) headers['content-encoding'] = payload.encoding;
        }
        return { method, path: target + search, headers, body: payload.body };
      });

    // Every answer goes to a file for the secret scan at the end, not into memory: the memory bound below is
    // about the service (in this process), not about a list this test keeps.
    const answersFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tts-fuzz-')), 'answers.jsonl');
    const answers = fs.openSync(answersFile, 'w');
    const statuses: Record<number, number> = {};
    const heapBefore = liveHeapMb();
    const rssBefore = process.memoryUsage().rss;
    // The file holds tokens: it goes whatever happens.
    const discardAnswers = (): void => fs.rmSync(path.dirname(answersFile), { recursive: true, force: true });
    await assertTruncated(
      fc.asyncProperty(requestArbitrary, async (request) => {
        const answer = await send(request);
        fs.writeSync(answers, `${JSON.stringify({ ...answer, request: { ...answer.request, body: undefined } })}\n`);
        statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
        // A dropped connection is an answer only to a request over the size limits; otherwise a crash.
        if (answer.status === -1)
          expect(oversized(request) ? 'over a limit' : `${request.method} ${request.path.slice(0, 200)} -> connection dropped`).toBe(
            'over a limit',
          );
        // Never a server error, whatever came in (named, so that a failure says which request).
        expect(answer.status >= 500 ? `${request.method} ${request.path.slice(0, 200)} -> ${answer.status}` : 'no server error').toBe(
          'no server error',
        );
        // Never an internal detail: a stack frame, a file path, a driver or ORM error name.
        expect(answer.body).not.toMatch(
          /\n\s+at [^\n]+:\d+:\d+|node_modules|\/work\/|QueryFailedError|TypeError|ReferenceError|SyntaxError: Unexpected|duplicate key|violates/,
        );
        // Every JSON refusal is machine-readable.
        if (request.method !== 'HEAD' && answer.status >= 400 && String(answer.headers['content-type']).startsWith('application/json')) {
          expect(JSON.parse(answer.body)).toMatchObject({ error: expect.stringMatching(/^[a-z_]+$/) });
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    ).catch((error: unknown) => {
      fs.closeSync(answers);
      discardAnswers();
      throw error;
    });
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    const heapGrowthMb = liveHeapMb() - heapBefore;
    fs.closeSync(answers);

    // No secret in any answer, but a token in the token API's own successful answers.
    const instance = cluster.instances[0];
    const stats = await emulatorStats(cluster.sandbox);
    const neverShown = [
      keys.admin,
      keys.service,
      keys.limited,
      instance.config.apiKeyHmacSecret,
      instance.config.tiktok.apps[0].appSecret,
      ...stats.issued.refresh_tokens,
      ...stats.issued.codes,
      ...(instance.config.encryptionKeys ?? []).map((key) => key.key.toString('base64')),
    ].filter((secret): secret is string => !!secret && secret.length >= 8);
    recordSecrets(neverShown);
    const leaks: string[] = [];
    const received = fs
      .readFileSync(answersFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Received);
    discardAnswers();
    for (const answer of received) {
      const text = `${JSON.stringify(answer.headers)}\n${answer.body}`;
      // The token routes, as Express matches them (a trailing slash is the same route).
      const tokenAnswer = answer.status === 200 && /^\/v1\/shops\/[^/?]+\/token(\/refresh)?\/?(\?|$)/.test(answer.request.path);
      for (const secret of [...neverShown, ...(tokenAnswer ? [] : stats.issued.access_tokens)]) {
        if (text.includes(secret)) leaks.push(`${answer.request.method} ${answer.request.path.slice(0, 120)} -> ${answer.status}`);
      }
    }
    expect(leaks).toEqual([]);

    // Nothing stored was lost or corrupted: every shop still serves a token the emulator issued.
    for (const shopId of shopIds) {
      const response = await fetch(`${baseUrl}/v1/shops/${shopId}/token`, { headers: { authorization: `Bearer ${keys.service}` } });
      expect(response.status).toBe(200);
      const { access_token: token } = (await response.json()) as { access_token: string };
      expect(stats.issued.access_tokens.concat((await emulatorStats(cluster.sandbox)).issued.access_tokens)).toContain(token);
    }
    const [{ active }] = await query<{ active: number }>(
      cluster.db.url,
      "SELECT count(*)::int AS active FROM shops WHERE status = 'active'",
    );
    expect(active).toBe(shopIds.length);

    process.stdout.write(
      `fuzz: ${received.length} requests, statuses ${JSON.stringify(statuses)}, live heap growth ${heapGrowthMb.toFixed(1)} MB, RSS growth ${rssGrowthMb.toFixed(0)} MB\n`,
    );
    // Bounded memory: what is still reachable after a full collection, whatever the number of requests (a
    // leak of even 1 KB per request would be 10 MB at the default 10,000). RSS is reported, not bounded: V8
    // grows its heap lazily on a large host, so RSS says more about the host than about a leak.
    expect(heapGrowthMb).toBeLessThan(16);
  });
});
