import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp, testEncryptionKeys } from '../support/test-app';

const ADMIN_KEY = `admin-${randomBytes(32).toString('base64url')}`;
const HMAC_SECRET = `hmac-${randomBytes(32).toString('base64url')}`;
/** Shared by every instance on the test database (the encryption keys too, as replicas would). */
const ENV = { ADMIN_API_KEY: ADMIN_KEY, API_KEY_HMAC_SECRET: HMAC_SECRET, TOKEN_ENCRYPTION_KEYS: testEncryptionKeys() };

/** Tenants that exist: a few ordinary ids, the longest allowed one, and 100 for the bound. */
const LONGEST_TENANT = `${'T'.repeat(120)}.:@-_x9Z`;
const HUNDRED_TENANTS = Array.from({ length: 100 }, (_, i) => `bulk-${i}`);
const TENANTS = ['acme', 'globex:eu', 'user@initech.example', LONGEST_TENANT, ...HUNDRED_TENANTS];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

interface CreatedKey {
  id: string;
  name: string;
  key: string;
  shop_ids: string[] | null;
  tenant_ids: string[] | null;
  permissions: string[];
}

interface ListedKey {
  id: string;
  name: string;
  key_prefix: string;
  shop_ids: string[] | null;
  tenant_ids: string[] | null;
  permissions: string[];
  created_at: string;
  last_used_at: string | null;
}

interface Answer {
  status: number;
  text: string;
  body: unknown;
  headers: Headers;
}

interface CallOptions {
  method?: string;
  /** The whole Authorization header; undefined: none. */
  authorization?: string;
  /** Serialised as JSON unless a string (sent as is). */
  body?: unknown;
  contentType?: string;
}

function bearer(key: string): string {
  return `Bearer ${key}`;
}

function hmacHex(key: string, secret = HMAC_SECRET): string {
  return createHmac('sha256', secret).update(key, 'utf8').digest('hex');
}

async function call(baseUrl: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await new HttpClient(baseUrl).request(path, { method: options.method ?? 'GET', headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').includes('application/json')) parsed = JSON.parse(text);
  return { status: response.status, text, body: parsed, headers: response.headers };
}

/** The one error shape of the service: exactly `{ statusCode, error, message }`. */
function expectError(answer: Answer, status: number, error: string): void {
  expect({ status: answer.status, body: answer.body }).toEqual({
    status,
    body: { statusCode: status, error, message: expect.any(String) },
  });
  expect((answer.body as { message: string }).message.length).toBeGreaterThan(0);
}

/** Every substring of `secret` one character longer than `allowed`: none may appear in `haystack`. */
function leakedFragments(haystack: string, secret: string, allowed: number): string[] {
  const leaks: string[] = [];
  for (let start = 0; start + allowed < secret.length; start += 1) {
    const fragment = secret.slice(start, start + allowed + 1);
    if (haystack.includes(fragment)) leaks.push(fragment);
  }
  return leaks;
}

describe('API keys and access (real HTTP, real PostgreSQL)', () => {
  let t: TestApp;

  const api = (path: string, options: CallOptions = {}): Promise<Answer> => call(t.baseUrl, path, options);
  const asAdmin = (path: string, options: CallOptions = {}): Promise<Answer> => api(path, { authorization: bearer(ADMIN_KEY), ...options });

  async function createKey(body: Record<string, unknown>): Promise<CreatedKey> {
    const answer = await asAdmin('/admin/api-keys', { method: 'POST', body });
    expect(answer.status).toBe(201);
    return answer.body as CreatedKey;
  }

  async function keyCount(): Promise<number> {
    const [row] = await query<{ n: number }>(t.db.url, 'SELECT count(*)::int AS n FROM api_keys');
    return row.n;
  }

  beforeAll(async () => {
    t = await startTestApp(ENV);
    // The tenants the scoped keys below name (the tenant admin routes are not these tests' subject).
    await query(t.db.url, `INSERT INTO tenants (tenant_id, name) SELECT unnest($1::varchar[]), 'a tenant'`, [TENANTS]);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('POST /admin/api-keys', () => {
    it('creates a service key and shows it once: 201 { id, name, key, shop_ids, tenant_ids, permissions }', async () => {
      const answer = await asAdmin('/admin/api-keys', {
        method: 'POST',
        body: { name: 'orders-service', shop_ids: ['7000000000000001', 'shop_B-2'] },
      });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('content-type')).toContain('application/json');
      const created = answer.body as CreatedKey;
      expect(Object.keys(created).sort()).toEqual(['id', 'key', 'name', 'permissions', 'shop_ids', 'tenant_ids']);
      expect(created.id).toMatch(UUID);
      expect(created.name).toBe('orders-service');
      expect(created.shop_ids).toEqual(['7000000000000001', 'shop_B-2']);
      // What every key could do before permissions and tenants existed.
      expect(created.tenant_ids).toBeNull();
      expect(created.permissions).toEqual(['tokens']);
      // tts_ + 256 random bits, base64url.
      expect(created.key).toMatch(/^tts_[A-Za-z0-9_-]{43}$/);
      expect(created.key).not.toContain(ADMIN_KEY);
    });

    it('gives every key a different value and id', async () => {
      const keys = await Promise.all([1, 2, 3, 4, 5].map((n) => createKey({ name: `parallel-${n}` })));
      expect(new Set(keys.map((k) => k.key)).size).toBe(5);
      expect(new Set(keys.map((k) => k.id)).size).toBe(5);
    });

    it('answers shop_ids null for a key without a shop list (every shop)', async () => {
      const created = await createKey({ name: 'all-shops' });
      expect(created.shop_ids).toBeNull();
      const [row] = await query<{ shop_ids: string[] | null }>(t.db.url, 'SELECT shop_ids FROM api_keys WHERE id = $1', [created.id]);
      expect(row.shop_ids).toBeNull();
      // An explicit null is the same as leaving it out.
      expect((await createKey({ name: 'all-shops-explicit', shop_ids: null })).shop_ids).toBeNull();
    });

    it('keeps an empty shop list empty: it never widens to every shop', async () => {
      const created = await createKey({ name: 'no-shops', shop_ids: [] });
      expect(created.shop_ids).toEqual([]);
      const [row] = await query<{ shop_ids: string[] | null }>(t.db.url, 'SELECT shop_ids FROM api_keys WHERE id = $1', [created.id]);
      expect(row.shop_ids).toEqual([]);
      const listed = ((await asAdmin('/admin/api-keys')).body as { api_keys: ListedKey[] }).api_keys.find((k) => k.id === created.id);
      expect(listed?.shop_ids).toEqual([]);
    });

    it('stores only the HMAC-SHA256 digest of the key and its 12-character prefix', async () => {
      const created = await createKey({ name: 'digest-check', shop_ids: ['7000000000000101'] });
      const rows = await query<Record<string, unknown>>(t.db.url, 'SELECT * FROM api_keys WHERE id = $1', [created.id]);
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(Object.keys(row).sort()).toEqual([
        'created_at',
        'id',
        'key_digest',
        'key_prefix',
        'last_used_at',
        'name',
        'permissions',
        'shop_ids',
        'tenant_ids',
      ]);
      expect(row.key_digest).toBe(hmacHex(created.key));
      expect(row.key_digest).toMatch(/^[0-9a-f]{64}$/);
      expect(row.key_digest).not.toBe(createHmac('sha256', '').update(created.key).digest('hex'));
      expect(row.key_prefix).toBe(created.key.slice(0, 12));
      expect(row.last_used_at).toBeNull();

      // Nothing in the row (any column, any encoding Postgres gives back) holds more of the key than its prefix.
      const [json] = await query<{ row: string }>(t.db.url, 'SELECT to_jsonb(k)::text AS row FROM api_keys k WHERE id = $1', [created.id]);
      const dump = `${json.row}\n${JSON.stringify(rows)}`;
      expect(dump).toContain(created.key.slice(0, 12));
      expect(leakedFragments(dump, created.key, 12)).toEqual([]);
      expect(dump).not.toContain(Buffer.from(created.key).toString('hex'));
      expect(dump).not.toContain(Buffer.from(created.key).toString('base64'));
    });

    it('keeps no key, admin key or HMAC secret anywhere in the database', async () => {
      const created = await createKey({ name: 'whole-db-check' });
      const tables = await query<{ tablename: string }>(t.db.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
      let dump = '';
      for (const { tablename } of tables) {
        const rows = await query<{ row: string }>(t.db.url, `SELECT to_jsonb(x)::text AS row FROM "${tablename}" x`);
        dump += rows.map((r) => r.row).join('\n');
      }
      expect(dump).toContain(created.id);
      expect(leakedFragments(dump, created.key, 12)).toEqual([]);
      expect(dump).not.toContain(ADMIN_KEY);
      expect(dump).not.toContain(HMAC_SECRET);
    });

    it('accepts the boundaries: a 100-character name, a 64-character shop id', async () => {
      const created = await createKey({ name: 'n'.repeat(100), shop_ids: ['A'.repeat(64), 'a_b-C9'] });
      expect(created.name).toBe('n'.repeat(100));
      expect(created.shop_ids).toEqual(['A'.repeat(64), 'a_b-C9']);
    });

    it('keeps a Unicode name as sent', async () => {
      const name = 'Lager Zürich — 東京 🚚';
      const created = await createKey({ name });
      expect(created.name).toBe(name);
      const [row] = await query<{ name: string }>(t.db.url, 'SELECT name FROM api_keys WHERE id = $1', [created.id]);
      expect(row.name).toBe(name);
    });
    it('never answers 500 to a name holding a lone UTF-16 surrogate', async () => {
      const answer = await asAdmin('/admin/api-keys', { method: 'POST', body: '{"name":"lone \\ud800 surrogate"}' });
      expect([201, 400]).toContain(answer.status);
    });
  });

  describe('validation of POST /admin/api-keys', () => {
    it.each<[string, unknown]>([
      ['missing name', {}],
      ['missing name with shop ids', { shop_ids: ['7000000000000001'] }],
      ['empty name', { name: '' }],
      ['name over 100 characters', { name: 'x'.repeat(101) }],
      ['name of 1000 characters', { name: 'x'.repeat(1000) }],
      ['numeric name', { name: 42 }],
      ['null name', { name: null }],
      ['object name', { name: { first: 'a' } }],
      ['array name', { name: ['a'] }],
      ['name with a NUL byte', { name: 'bad\u0000name' }],
      ['name with a newline', { name: 'bad\nname' }],
      ['name with DEL', { name: 'bad\u007fname' }],
      ['shop_ids as a string', { name: 'k', shop_ids: '7000000000000001' }],
      ['shop_ids as an object', { name: 'k', shop_ids: { a: '7000000000000001' } }],
      ['shop_ids as a number', { name: 'k', shop_ids: 7 }],
      ['shop_ids as true', { name: 'k', shop_ids: true }],
      ['a numeric shop id', { name: 'k', shop_ids: [7000000000000001] }],
      ['a null shop id', { name: 'k', shop_ids: [null] }],
      ['a nested array shop id', { name: 'k', shop_ids: [['7000000000000001']] }],
      ['an empty shop id', { name: 'k', shop_ids: [''] }],
      ['a shop id with a space', { name: 'k', shop_ids: ['7000 0001'] }],
      ['a shop id with a slash', { name: 'k', shop_ids: ['../7000000000000001'] }],
      ['a shop id with a quote', { name: 'k', shop_ids: ["7000'; DROP TABLE api_keys;--"] }],
      ['a shop id with a comma (array literal syntax)', { name: 'k', shop_ids: ['a,b'] }],
      ['a shop id with braces (array literal syntax)', { name: 'k', shop_ids: ['{a}'] }],
      ['a non-ASCII shop id', { name: 'k', shop_ids: ['shöp'] }],
      ['a shop id over 64 characters', { name: 'k', shop_ids: ['1'.repeat(65)] }],
      ['duplicate shop ids', { name: 'k', shop_ids: ['7000000000000001', '7000000000000002', '7000000000000001'] }],
      ['an unknown extra field', { name: 'k', admin: true }],
      ['a key chosen by the caller', { name: 'k', key: `tts_${'a'.repeat(43)}` }],
      ['an id chosen by the caller', { name: 'k', id: randomUUID() }],
      ['a digest chosen by the caller', { name: 'k', key_digest: 'a'.repeat(64) }],
      ['a JSON array body', [{ name: 'k' }]],
      ['an empty JSON array body', []],
    ])('rejects %s with 400 invalid_request', async (_label, body) => {
      const before = await keyCount();
      const answer = await asAdmin('/admin/api-keys', { method: 'POST', body });
      expectError(answer, 400, 'invalid_request');
      expect(await keyCount()).toBe(before);
    });

    it('names the offending field in the message', async () => {
      const answer = await asAdmin('/admin/api-keys', { method: 'POST', body: { name: 'k', shop_ids: ['bad id'] } });
      expectError(answer, 400, 'invalid_request');
      expect((answer.body as { message: string }).message).toMatch(/shop/);
      const extra = await asAdmin('/admin/api-keys', { method: 'POST', body: { name: 'k', scope: 'all' } });
      expect((extra.body as { message: string }).message).toContain('scope');
    });

    it('rejects a body that is not JSON with 400 invalid_json', async () => {
      expectError(await asAdmin('/admin/api-keys', { method: 'POST', body: '{"name": ' }), 400, 'invalid_json');
      // body-parser in strict mode takes only objects and arrays.
      expectError(await asAdmin('/admin/api-keys', { method: 'POST', body: 'null' }), 400, 'invalid_json');
      expectError(await asAdmin('/admin/api-keys', { method: 'POST', body: '"k"' }), 400, 'invalid_json');
    });

    it('treats a missing or non-JSON body as a missing name (400, not 500)', async () => {
      expectError(await asAdmin('/admin/api-keys', { method: 'POST' }), 400, 'invalid_request');
      const text = await asAdmin('/admin/api-keys', { method: 'POST', body: 'name=k', contentType: 'text/plain' });
      expect(text.status).toBeGreaterThanOrEqual(400);
      expect(text.status).toBeLessThan(500);
    });

    it('ignores a __proto__ member instead of failing or creating a key with it', async () => {
      const before = await keyCount();
      const answer = await asAdmin('/admin/api-keys', {
        method: 'POST',
        body: '{"name":"proto","__proto__":{"shop_ids":null,"admin":true}}',
      });
      expect(answer.status).toBeLessThan(500);
      if (answer.status === 201) {
        expect(answer.body).toMatchObject({ name: 'proto', shop_ids: null });
        expect(await keyCount()).toBe(before + 1);
      } else {
        expectError(answer, 400, 'invalid_request');
        expect(await keyCount()).toBe(before);
      }
    });

    it('answers 413 payload_too_large for a body over the JSON limit', async () => {
      const answer = await asAdmin('/admin/api-keys', {
        method: 'POST',
        body: { name: 'k', shop_ids: Array.from({ length: 5000 }, (_, i) => `shop${i}xxxxxxxxxxxx`) },
      });
      expectError(answer, 413, 'payload_too_large');
    });
  });

  describe('tenant_ids and permissions on POST /admin/api-keys', () => {
    async function stored(id: string): Promise<{ shop_ids: string[] | null; tenant_ids: string[] | null; permissions: string[] }> {
      const [row] = await query<{ shop_ids: string[] | null; tenant_ids: string[] | null; permissions: string[] }>(
        t.db.url,
        'SELECT shop_ids, tenant_ids, permissions FROM api_keys WHERE id = $1',
        [id],
      );
      return row;
    }

    it.each<[string, Record<string, unknown>, { shop_ids: string[] | null; tenant_ids: string[] | null; permissions: string[] }]>([
      ['no scope, no permissions: tokens on every shop', { name: 'k' }, { shop_ids: null, tenant_ids: null, permissions: ['tokens'] }],
      [
        'explicit nulls: the same',
        { name: 'k', shop_ids: null, tenant_ids: null, permissions: null },
        { shop_ids: null, tenant_ids: null, permissions: ['tokens'] },
      ],
      [
        'shop_ids with tokens',
        { name: 'k', shop_ids: ['7000000000000001'], permissions: ['tokens'] },
        { shop_ids: ['7000000000000001'], tenant_ids: null, permissions: ['tokens'] },
      ],
      [
        'tenant_ids: tokens by default',
        { name: 'k', tenant_ids: ['acme'] },
        { shop_ids: null, tenant_ids: ['acme'], permissions: ['tokens'] },
      ],
      [
        'tenant_ids with connect only',
        { name: 'k', tenant_ids: ['acme'], permissions: ['connect'] },
        { shop_ids: null, tenant_ids: ['acme'], permissions: ['connect'] },
      ],
      [
        'several tenants, both permissions, in the order given',
        { name: 'k', tenant_ids: ['user@initech.example', 'globex:eu'], permissions: ['connect', 'tokens'] },
        { shop_ids: null, tenant_ids: ['user@initech.example', 'globex:eu'], permissions: ['connect', 'tokens'] },
      ],
      [
        'the longest tenant id (128 characters)',
        { name: 'k', tenant_ids: [LONGEST_TENANT] },
        { shop_ids: null, tenant_ids: [LONGEST_TENANT], permissions: ['tokens'] },
      ],
      [
        '100 tenants (the most)',
        { name: 'k', tenant_ids: HUNDRED_TENANTS },
        { shop_ids: null, tenant_ids: HUNDRED_TENANTS, permissions: ['tokens'] },
      ],
      [
        'an empty tenant list: no shop at all (it never widens)',
        { name: 'k', tenant_ids: [] },
        { shop_ids: null, tenant_ids: [], permissions: ['tokens'] },
      ],
    ])('creates %s', async (_label, body, expected) => {
      const created = await createKey(body);
      expect({ shop_ids: created.shop_ids, tenant_ids: created.tenant_ids, permissions: created.permissions }).toEqual(expected);
      expect(await stored(created.id)).toEqual(expected);
      const listed = ((await asAdmin('/admin/api-keys')).body as { api_keys: ListedKey[] }).api_keys.find((k) => k.id === created.id);
      expect(listed).toMatchObject(expected);
      // The audit record says what the key may see and do.
      const [audit] = await query<{ detail: Record<string, unknown> }>(
        t.db.url,
        "SELECT detail FROM audit_events WHERE action = 'api_key_created' AND target_id = $1",
        [created.id],
      );
      expect(audit.detail).toEqual({ name: 'k', ...expected });
    });

    it.each<[string, unknown]>([
      ['shop_ids and tenant_ids both', { name: 'k', shop_ids: ['7000000000000001'], tenant_ids: ['acme'] }],
      ['shop_ids and an empty tenant list', { name: 'k', shop_ids: [], tenant_ids: [] }],
      ['connect without tenant_ids', { name: 'k', permissions: ['connect'] }],
      ['connect and tokens without tenant_ids', { name: 'k', permissions: ['tokens', 'connect'] }],
      ['connect with shop_ids', { name: 'k', shop_ids: ['7000000000000001'], permissions: ['connect'] }],
      ['an empty permission list', { name: 'k', tenant_ids: ['acme'], permissions: [] }],
      ['an unknown permission', { name: 'k', permissions: ['admin'] }],
      ['a permission in another case', { name: 'k', permissions: ['Tokens'] }],
      ['duplicate permissions', { name: 'k', permissions: ['tokens', 'tokens'] }],
      ['permissions as a string', { name: 'k', permissions: 'tokens' }],
      ['permissions as an object', { name: 'k', permissions: { tokens: true } }],
      ['a null permission', { name: 'k', permissions: [null] }],
      ['tenant_ids as a string', { name: 'k', tenant_ids: 'acme' }],
      ['tenant_ids as an object', { name: 'k', tenant_ids: { acme: true } }],
      ['a numeric tenant id', { name: 'k', tenant_ids: [42] }],
      ['a null tenant id', { name: 'k', tenant_ids: [null] }],
      ['a nested array tenant id', { name: 'k', tenant_ids: [['acme']] }],
      ['an empty tenant id', { name: 'k', tenant_ids: [''] }],
      ['a tenant id with a space', { name: 'k', tenant_ids: ['ac me'] }],
      ['a tenant id with a slash', { name: 'k', tenant_ids: ['../acme'] }],
      ['a tenant id with a comma (array literal syntax)', { name: 'k', tenant_ids: ['a,b'] }],
      ['a tenant id with braces (array literal syntax)', { name: 'k', tenant_ids: ['{acme}'] }],
      ['a non-ASCII tenant id', { name: 'k', tenant_ids: ['acmé'] }],
      ['a tenant id over 128 characters', { name: 'k', tenant_ids: [`${LONGEST_TENANT}x`] }],
      ['duplicate tenant ids', { name: 'k', tenant_ids: ['acme', 'globex:eu', 'acme'] }],
      ['101 tenant ids', { name: 'k', tenant_ids: [...HUNDRED_TENANTS, 'acme'] }],
    ])('rejects %s with 400 invalid_request', async (_label, body) => {
      const before = await keyCount();
      expectError(await asAdmin('/admin/api-keys', { method: 'POST', body }), 400, 'invalid_request');
      expect(await keyCount()).toBe(before);
    });

    it.each<[string, string[]]>([
      ['a tenant that does not exist', ['nobody']],
      ['one unknown tenant among known ones', ['acme', 'nobody', 'globex:eu']],
      ['a tenant id that only differs in case', ['ACME']],
    ])('answers 404 tenant_not_found for %s, and creates nothing', async (_label, tenantIds) => {
      const before = await keyCount();
      const answer = await asAdmin('/admin/api-keys', { method: 'POST', body: { name: 'k', tenant_ids: tenantIds } });
      expectError(answer, 404, 'tenant_not_found');
      expect((answer.body as { message: string }).message).toMatch(/nobody|ACME/);
      expect(await keyCount()).toBe(before);
    });

    it('keeps exactly what a key stored before permissions existed could do: tokens, on its shops', async () => {
      // A row as the code before this change wrote it: no tenant_ids, no permissions.
      const id = randomUUID();
      await query(
        t.db.url,
        `INSERT INTO api_keys (id, name, key_digest, key_prefix, shop_ids) VALUES ($1, 'older', $2, 'tts_older000', NULL)`,
        [id, hmacHex(`tts_${randomBytes(32).toString('base64url')}`)],
      );
      const listed = ((await asAdmin('/admin/api-keys')).body as { api_keys: ListedKey[] }).api_keys.find((k) => k.id === id);
      expect(listed).toMatchObject({ shop_ids: null, tenant_ids: null, permissions: ['tokens'] });
    });

    it('audits a deleted key with what it could see and do', async () => {
      const created = await createKey({ name: 'k', tenant_ids: ['acme'], permissions: ['connect'] });
      expect((await asAdmin(`/admin/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(204);
      const [audit] = await query<{ detail: Record<string, unknown> }>(
        t.db.url,
        "SELECT detail FROM audit_events WHERE action = 'api_key_deleted' AND target_id = $1",
        [created.id],
      );
      expect(audit.detail).toEqual({ name: 'k', shop_ids: null, tenant_ids: ['acme'], permissions: ['connect'] });
    });
  });

  describe('GET /admin/api-keys', () => {
    it('lists the keys with prefix, shops and dates, never a key or a secret', async () => {
      const limited = await createKey({ name: 'list-limited', shop_ids: ['7000000000000001'] });
      const open = await createKey({ name: 'list-open' });
      const answer = await asAdmin('/admin/api-keys');
      expect(answer.status).toBe(200);
      const { api_keys: listed } = answer.body as { api_keys: ListedKey[] };
      expect(Object.keys(answer.body as object)).toEqual(['api_keys']);
      for (const item of listed) {
        expect(Object.keys(item).sort()).toEqual([
          'created_at',
          'id',
          'key_prefix',
          'last_used_at',
          'name',
          'permissions',
          'shop_ids',
          'tenant_ids',
        ]);
        expect(item.created_at).toMatch(ISO);
        expect(item.key_prefix).toMatch(/^tts_[A-Za-z0-9_-]{8}$/);
      }
      expect(listed.find((k) => k.id === limited.id)).toEqual({
        id: limited.id,
        name: 'list-limited',
        key_prefix: limited.key.slice(0, 12),
        shop_ids: ['7000000000000001'],
        tenant_ids: null,
        permissions: ['tokens'],
        created_at: expect.stringMatching(ISO),
        last_used_at: null,
      });
      expect(listed.find((k) => k.id === open.id)).toMatchObject({ name: 'list-open', shop_ids: null });
      // Oldest first.
      const times = listed.map((k) => Date.parse(k.created_at));
      expect([...times].sort((a, b) => a - b)).toEqual(times);

      const digests = await query<{ key_digest: string }>(t.db.url, 'SELECT key_digest FROM api_keys');
      for (const secret of [ADMIN_KEY, HMAC_SECRET, ...digests.map((d) => d.key_digest)]) expect(answer.text).not.toContain(secret);
      for (const created of [limited, open]) {
        expect(leakedFragments(answer.text, created.key, 12)).toEqual([]);
        expect(answer.text).not.toContain(hmacHex(created.key));
      }
      expect(answer.text).not.toMatch(/"key"\s*:/);
      expect(answer.text).not.toMatch(/key_digest|keyDigest/);
    });

    it('records when a key was last used', async () => {
      const created = await createKey({ name: 'last-used' });
      const before = Date.now();
      expectError(await api('/admin/api-keys', { authorization: bearer(created.key) }), 403, 'forbidden');
      const listed = ((await asAdmin('/admin/api-keys')).body as { api_keys: ListedKey[] }).api_keys.find((k) => k.id === created.id);
      expect(listed?.last_used_at).toMatch(ISO);
      expect(Date.parse(listed?.last_used_at ?? '')).toBeGreaterThanOrEqual(before - 5000);
    });
  });

  describe('DELETE /admin/api-keys/:id', () => {
    it('deletes: 204 without a body; again: 404 api_key_not_found', async () => {
      const created = await createKey({ name: 'to-delete' });
      const first = await asAdmin(`/admin/api-keys/${created.id}`, { method: 'DELETE' });
      expect(first.status).toBe(204);
      expect(first.text).toBe('');
      expect(await query(t.db.url, 'SELECT id FROM api_keys WHERE id = $1', [created.id])).toEqual([]);
      const listed = ((await asAdmin('/admin/api-keys')).body as { api_keys: ListedKey[] }).api_keys;
      expect(listed.map((k) => k.id)).not.toContain(created.id);
      expectError(await asAdmin(`/admin/api-keys/${created.id}`, { method: 'DELETE' }), 404, 'api_key_not_found');
    });

    it.each([
      ['an unknown uuid', randomUUID()],
      ['a non-uuid id', 'not-a-uuid'],
      ['a number', '12345'],
      ['a uuid with trailing text', `${randomUUID()}x`],
      ['SQL in the id', "1' OR '1'='1"],
      ['a 2000-character id', 'a'.repeat(2000)],
    ])('answers 404 api_key_not_found for %s (never 400 or 500)', async (_label, id) => {
      const before = await keyCount();
      expectError(await asAdmin(`/admin/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' }), 404, 'api_key_not_found');
      expect(await keyCount()).toBe(before);
    });

    it('accepts the id in upper case', async () => {
      const created = await createKey({ name: 'upper-case-id' });
      expect((await asAdmin(`/admin/api-keys/${created.id.toUpperCase()}`, { method: 'DELETE' })).status).toBe(204);
      expectError(await api('/admin/api-keys', { authorization: bearer(created.key) }), 401, 'unauthorized');
    });

    it('deletes only the key named', async () => {
      const doomed = await createKey({ name: 'doomed' });
      const survivor = await createKey({ name: 'survivor' });
      expect((await asAdmin(`/admin/api-keys/${doomed.id}`, { method: 'DELETE' })).status).toBe(204);
      expectError(await api('/admin/api-keys', { authorization: bearer(doomed.key) }), 401, 'unauthorized');
      expectError(await api('/admin/api-keys', { authorization: bearer(survivor.key) }), 403, 'forbidden');
    });

    it('refuses a deleted key at once, on this instance and on a second one sharing the database', async () => {
      const second = await startTestApp(ENV, t.db);
      try {
        const deletedHere = await createKey({ name: 'deleted-on-first' });
        const deletedThere = await createKey({ name: 'deleted-on-second' });
        // Both instances know both keys (403: a valid service key on an admin route).
        for (const base of [t.baseUrl, second.baseUrl]) {
          for (const created of [deletedHere, deletedThere]) {
            expectError(await call(base, '/admin/api-keys', { authorization: bearer(created.key) }), 403, 'forbidden');
          }
        }
        // The admin key works on the second instance too, and it sees the same keys.
        const listed = await call(second.baseUrl, '/admin/api-keys', { authorization: bearer(ADMIN_KEY) });
        expect((listed.body as { api_keys: ListedKey[] }).api_keys.map((k) => k.id)).toEqual(
          expect.arrayContaining([deletedHere.id, deletedThere.id]),
        );

        expect((await asAdmin(`/admin/api-keys/${deletedHere.id}`, { method: 'DELETE' })).status).toBe(204);
        expect(
          (await call(second.baseUrl, `/admin/api-keys/${deletedThere.id}`, { method: 'DELETE', authorization: bearer(ADMIN_KEY) })).status,
        ).toBe(204);

        // No waiting: the very next request on either instance is refused.
        for (const base of [second.baseUrl, t.baseUrl]) {
          for (const created of [deletedHere, deletedThere]) {
            for (const [method, path] of [
              ['GET', '/admin/api-keys'],
              ['POST', '/admin/api-keys'],
              ['DELETE', `/admin/api-keys/${created.id}`],
            ] as const) {
              expectError(
                await call(base, path, { method, authorization: bearer(created.key), body: method === 'POST' ? { name: 'x' } : undefined }),
                401,
                'unauthorized',
              );
            }
          }
        }
        // Deleting again from the other instance: already gone.
        expectError(
          await call(second.baseUrl, `/admin/api-keys/${deletedHere.id}`, { method: 'DELETE', authorization: bearer(ADMIN_KEY) }),
          404,
          'api_key_not_found',
        );
      } finally {
        await second.close();
      }
      // Closing the second instance leaves the shared database to the first one.
      expect((await asAdmin('/admin/api-keys')).status).toBe(200);
    });

    it('refuses keys on an instance with another API_KEY_HMAC_SECRET (the secret keys the digest)', async () => {
      const created = await createKey({ name: 'other-secret' });
      const other = await startTestApp({ ...ENV, API_KEY_HMAC_SECRET: `other-${randomBytes(32).toString('base64url')}` }, t.db);
      try {
        expectError(await call(other.baseUrl, '/admin/api-keys', { authorization: bearer(created.key) }), 401, 'unauthorized');
        // The admin key does not depend on the HMAC secret.
        expect((await call(other.baseUrl, '/admin/api-keys', { authorization: bearer(ADMIN_KEY) })).status).toBe(200);
      } finally {
        await other.close();
      }
      expectError(await api('/admin/api-keys', { authorization: bearer(created.key) }), 403, 'forbidden');
    });
  });

  describe('authentication', () => {
    const routes = (): [string, string, unknown][] => [
      ['GET', '/admin/api-keys', undefined],
      ['POST', '/admin/api-keys', { name: 'should-not-exist' }],
      ['DELETE', `/admin/api-keys/${randomUUID()}`, undefined],
    ];

    const badHeaders: [string, () => string | undefined][] = [
      ['no Authorization header', () => undefined],
      ['an empty Authorization header', () => ''],
      ['"Bearer" alone', () => 'Bearer'],
      ['"Bearer " with nothing after it', () => 'Bearer '],
      ['"Bearer" and spaces only', () => 'Bearer     '],
      ['the admin key without a scheme', () => ADMIN_KEY],
      ['the admin key with the Basic scheme', () => `Basic ${ADMIN_KEY}`],
      ['Basic credentials holding the admin key', () => `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`],
      ['the admin key with the Token scheme', () => `Token ${ADMIN_KEY}`],
      ['"Bearer:" glued to the admin key', () => `Bearer:${ADMIN_KEY}`],
      ['the admin key glued to "Bearer"', () => `Bearer${ADMIN_KEY}`],
      ['an unknown tts_ key', () => bearer(`tts_${randomBytes(32).toString('base64url')}`)],
      ['an unknown short key', () => bearer('tts_short')],
      ['the admin key minus its last character', () => bearer(ADMIN_KEY.slice(0, -1))],
      ['the admin key plus one character', () => bearer(`${ADMIN_KEY}x`)],
      ['the admin key in another case', () => bearer(ADMIN_KEY.toUpperCase())],
      ['the admin key followed by a second token', () => `${bearer(ADMIN_KEY)} extra`],
      ['two bearer credentials', () => `${bearer(ADMIN_KEY)}, ${bearer(ADMIN_KEY)}`],
      ['the HMAC secret', () => bearer(HMAC_SECRET)],
      ['a 10 KB key', () => bearer('k'.repeat(10 * 1024))],
      ['a 10 KB key starting with the admin key', () => bearer(ADMIN_KEY + 'k'.repeat(10 * 1024))],
      ['a 10 KB header of spaces after Bearer', () => `Bearer${' '.repeat(10 * 1024)}`],
    ];

    it.each(badHeaders)('answers 401 unauthorized to %s on every admin route', async (_label, header) => {
      const before = await keyCount();
      for (const [method, path, body] of routes()) {
        const answer = await api(path, { method, authorization: header(), body });
        expectError(answer, 401, 'unauthorized');
        expect(answer.text).not.toContain(ADMIN_KEY);
      }
      expect(await keyCount()).toBe(before);
    });

    it('answers 401 before looking at the body or the id (no validation or existence oracle)', async () => {
      expectError(await api('/admin/api-keys', { method: 'POST', body: { bogus: true } }), 401, 'unauthorized');
      expectError(
        await api('/admin/api-keys', {
          method: 'POST',
          body: { name: '' },
          authorization: bearer('tts_unknown_unknown_unknown_unknown_x'),
        }),
        401,
        'unauthorized',
      );
      // Unreadable JSON is refused by the body parser, which runs before any guard: a 400 that says nothing about keys.
      const unreadable = await api('/admin/api-keys', { method: 'POST', body: '{not json' });
      expect([400, 401]).toContain(unreadable.status);
      expect(unreadable.text).not.toContain(ADMIN_KEY);
      const created = await createKey({ name: 'existence-oracle' });
      const existing = await api(`/admin/api-keys/${created.id}`, { method: 'DELETE' });
      const missing = await api(`/admin/api-keys/${randomUUID()}`, { method: 'DELETE' });
      expectError(existing, 401, 'unauthorized');
      expectError(missing, 401, 'unauthorized');
      expect(existing.body).toEqual(missing.body);
      expect(await query(t.db.url, 'SELECT id FROM api_keys WHERE id = $1', [created.id])).toHaveLength(1);
    });

    it('answers 403 forbidden to a valid service key on every admin route, and changes nothing', async () => {
      const limited = await createKey({ name: 'service-limited', shop_ids: ['7000000000000001'] });
      const open = await createKey({ name: 'service-open' });
      const victim = await createKey({ name: 'victim' });
      const before = await keyCount();
      for (const created of [limited, open]) {
        const calls: [string, string, unknown][] = [
          ['GET', '/admin/api-keys', undefined],
          ['POST', '/admin/api-keys', { name: 'escalation' }],
          ['POST', '/admin/api-keys', { bogus: 1 }],
          ['DELETE', `/admin/api-keys/${victim.id}`, undefined],
          ['DELETE', `/admin/api-keys/${created.id}`, undefined],
          ['DELETE', `/admin/api-keys/${randomUUID()}`, undefined],
        ];
        for (const [method, path, body] of calls) {
          const answer = await api(path, { method, authorization: bearer(created.key), body });
          expectError(answer, 403, 'forbidden');
          expect(answer.text).not.toContain(victim.id);
        }
      }
      expect(await keyCount()).toBe(before);
      expectError(await api('/admin/api-keys', { authorization: bearer(victim.key) }), 403, 'forbidden');
    });

    it('accepts the admin key on every admin route, with any case of "Bearer" and extra spaces', async () => {
      for (const header of [bearer(ADMIN_KEY), `bearer ${ADMIN_KEY}`, `BEARER ${ADMIN_KEY}`, `Bearer   ${ADMIN_KEY}  `]) {
        expect((await api('/admin/api-keys', { authorization: header })).status).toBe(200);
      }
      const created = (
        await api('/admin/api-keys', { method: 'POST', authorization: `bearer  ${ADMIN_KEY}`, body: { name: 'via-lowercase' } })
      ).body as CreatedKey;
      expect(created.key).toMatch(/^tts_/);
      expect((await api(`/admin/api-keys/${created.id}`, { method: 'DELETE', authorization: `BEARER ${ADMIN_KEY} ` })).status).toBe(204);
    });

    it('never accepts an API key from the query string or a cookie', async () => {
      expectError(
        await api(`/admin/api-keys?api_key=${encodeURIComponent(ADMIN_KEY)}&access_token=${encodeURIComponent(ADMIN_KEY)}`),
        401,
        'unauthorized',
      );
      const client = new HttpClient(t.baseUrl);
      client.setCookie('authorization', encodeURIComponent(bearer(ADMIN_KEY)));
      client.setCookie('api_key', ADMIN_KEY);
      const response = await client.get('/admin/api-keys');
      expect(response.status).toBe(401);
    });

    it('answers 401 to a browser with an HTML page that shows no secret', async () => {
      const response = await new HttpClient(t.baseUrl).get('/admin/api-keys', 'text/html');
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('text/html');
      const page = await response.text();
      expect(page).toContain('unauthorized');
      expect(page).not.toContain(ADMIN_KEY);
    });

    it('holds under concurrent requests mixing admin, service, deleted and unknown keys', async () => {
      const service = await createKey({ name: 'concurrent-service' });
      const deleted = await createKey({ name: 'concurrent-deleted' });
      expect((await asAdmin(`/admin/api-keys/${deleted.id}`, { method: 'DELETE' })).status).toBe(204);
      const cases: [string | undefined, number][] = [
        [bearer(ADMIN_KEY), 200],
        [bearer(service.key), 403],
        [bearer(deleted.key), 401],
        [bearer(`tts_${randomBytes(32).toString('base64url')}`), 401],
        [undefined, 401],
      ];
      const work = Array.from({ length: 100 }, (_, i) => cases[i % cases.length]);
      const statuses = await Promise.all(work.map(([header]) => api('/admin/api-keys', { authorization: header }).then((a) => a.status)));
      expect(statuses).toEqual(work.map(([, status]) => status));
    });
  });

  describe('public routes and unknown routes', () => {
    it.each<[string, string, number]>([
      ['GET', '/', 200],
      ['GET', '/auth/tiktok', 302],
    ])('%s %s needs no key', async (method, path, status) => {
      expect((await api(path, { method })).status).toBe(status);
      // A wrong or service key on a public route is not an error either.
      expect((await api(path, { method, authorization: bearer('tts_unknown_unknown_unknown_unknown_x') })).status).toBe(status);
      expect((await api(path, { method, authorization: 'Basic Zm9vOmJhcg==' })).status).toBe(status);
    });

    it('lets the sandbox consent flow run without a key', async () => {
      const callback = await api('/auth/callback?code=x&state=y');
      expect(callback.status).not.toBe(401);
      expect(callback.status).not.toBe(403);
    });

    it("keeps the sandbox's test controls (every issued token, any seller's grant) to the admin key", async () => {
      const service = await createKey({ name: 'sandbox-control' });
      for (const [method, path, body] of [
        ['GET', '/sandbox/_control/stats', undefined],
        ['POST', '/sandbox/_control/codes', { open_id: 'sbx-open-uk-001' }],
      ] as const) {
        expectError(await api(path, { method, body }), 401, 'unauthorized');
        expectError(await api(path, { method, body, authorization: bearer('tts_unknown_unknown_unknown_unknown_x') }), 401, 'unauthorized');
        expectError(await api(path, { method, body, authorization: bearer(service.key) }), 403, 'forbidden');
        expect((await api(path, { method, body, authorization: bearer(ADMIN_KEY) })).status).toBe(200);
      }
    });

    it.each<[string, string]>([
      ['GET', '/no-such-route'],
      ['GET', '/admin'],
      ['GET', '/admin/'],
      ['GET', '/admin/no-such-route'],
      ['GET', '/admin/api-keys/some/deeper/path'],
      ['POST', '/no-such-route'],
    ])('%s %s answers 404 not_found, with or without a key', async (method, path) => {
      for (const authorization of [undefined, bearer(ADMIN_KEY), bearer('tts_unknown_unknown_unknown_unknown_x')]) {
        const answer = await api(path, { method, authorization });
        expectError(answer, 404, 'not_found');
      }
    });

    it.each<[string, string]>([
      ['GET', `/admin/api-keys/${randomUUID()}`],
      ['PUT', '/admin/api-keys'],
      ['PATCH', `/admin/api-keys/${randomUUID()}`],
      ['DELETE', '/admin/api-keys'],
    ])('%s %s, a method the route does not take, answers 405 method_not_allowed, with or without a key', async (method, path) => {
      for (const authorization of [undefined, bearer(ADMIN_KEY), bearer('tts_unknown_unknown_unknown_unknown_x')]) {
        const answer = await api(path, { method, authorization });
        expectError(answer, 405, 'method_not_allowed');
      }
    });
  });
});
