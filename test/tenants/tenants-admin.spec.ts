import { Client } from 'pg';
import { query } from '../support/database';
import { consent, UK_SELLER, US_SELLER, CB_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';
import { waitFor } from '../support/wait';

const UK_OUTLET = '7000000000000002';

interface Tenant {
  tenant_id: string;
  name: string;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
}
interface Counts {
  authorizations: Record<string, number>;
  shops: Record<string, number>;
}
interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
}

const ZERO_AUTHORIZATIONS = { active: 0, expiring: 0, reauthorization_required: 0, revoked: 0 };
const ZERO_SHOPS = { ...ZERO_AUTHORIZATIONS, deauthorized: 0 };

describe('tenants (admin key): PUT, GET, paging, counts, transfer', () => {
  let t: TestApp;
  let admin: KeyClient;
  let service: KeyClient;
  const authorizationOf: Record<string, string> = {};

  const put = (path: string, body: unknown, client: KeyClient = admin): Promise<Response> =>
    client.request(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const putRaw = (path: string, body: string): Promise<Response> =>
    admin.request(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
  const newestAudit = async (): Promise<{ action: string; target_id: string; detail: Record<string, unknown> }> =>
    (
      (await (await admin.get('/admin/audit?limit=1')).json()) as {
        events: { action: string; target_id: string; detail: Record<string, unknown> }[];
      }
    ).events[0];
  async function expectError(response: Response, status: number, error: string): Promise<ErrorBody> {
    const body = (await response.json()) as ErrorBody;
    expect({ status: response.status, error: body.error }).toEqual({ status, error });
    return body;
  }

  beforeAll(async () => {
    t = await startTestApp();
    const browser = new HttpClient(t.baseUrl);
    for (const seller of [UK_SELLER, US_SELLER, CB_SELLER]) expect((await consent(browser, seller)).status).toBe(200);
    admin = new KeyClient(t.baseUrl, t.adminKey);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'svc'));
    for (const row of await query<{ id: string; open_id: string }>(t.db.url, 'SELECT id, open_id FROM seller_authorizations')) {
      authorizationOf[row.open_id] = row.id;
    }
  });
  afterAll(async () => {
    await t.close();
  });

  describe('PUT /admin/tenants/{tenant_id}', () => {
    it('creates (201), then answers 200 for the same body without touching updated_at', async () => {
      const created = await put('/admin/tenants/acme', { name: 'Acme Ltd', metadata: { plan: 'gold', region: 'eu' } });
      expect(created.status).toBe(201);
      const first = (await created.json()) as Tenant;
      expect(first).toEqual({
        tenant_id: 'acme',
        name: 'Acme Ltd',
        metadata: { plan: 'gold', region: 'eu' },
        created_at: expect.any(String),
        updated_at: first.created_at,
      });
      expect(await newestAudit()).toMatchObject({
        action: 'tenant_saved',
        target_id: 'acme',
        detail: { created: true, changed: true, metadata_keys: 2 },
      });

      const again = await put('/admin/tenants/acme', { name: 'Acme Ltd', metadata: { region: 'eu', plan: 'gold' } });
      expect(again.status).toBe(200);
      expect(await again.json()).toEqual(first);
      expect(await newestAudit()).toMatchObject({ action: 'tenant_saved', detail: { created: false, changed: false } });
      const audits = await query<{ detail: string }>(t.db.url, "SELECT detail::text FROM audit_events WHERE action = 'tenant_saved'");
      for (const audit of audits) expect(audit.detail).not.toContain('Acme');
    });

    it('updates the name and keeps the stored metadata when metadata is omitted; {} clears it', async () => {
      await put('/admin/tenants/keep', { name: 'Before', metadata: { crm_id: '42' } });
      const renamed = await put('/admin/tenants/keep', { name: 'After' });
      expect(renamed.status).toBe(200);
      const body = (await renamed.json()) as Tenant;
      expect(body).toMatchObject({ name: 'After', metadata: { crm_id: '42' } });
      expect(Date.parse(body.updated_at)).toBeGreaterThan(Date.parse(body.created_at));
      const cleared = (await (await put('/admin/tenants/keep', { name: 'After', metadata: {} })).json()) as Tenant;
      expect(cleared.metadata).toEqual({});
      // Omitted on create: {}.
      const bare = await put('/admin/tenants/bare', { name: 'Bare' });
      expect(bare.status).toBe(201);
      expect(((await bare.json()) as Tenant).metadata).toEqual({});
    });

    it('takes every tenant_id of 1-128 characters of [A-Za-z0-9._:@-] as given', async () => {
      for (const id of ['a', 'x'.repeat(128), 'Org_1.eu:prod@shop-9', '...', '-', '@']) {
        const response = await put(`/admin/tenants/${encodeURIComponent(id)}`, { name: 'n' });
        expect({ id, status: response.status }).toEqual({ id, status: 201 });
        expect(((await response.json()) as Tenant).tenant_id).toBe(id);
        expect((await admin.get(`/admin/tenants/${encodeURIComponent(id)}`)).status).toBe(200);
      }
      // The audit record names a 128-character tenant as its target.
      expect(await query(t.db.url, 'SELECT 1 FROM audit_events WHERE target_id = $1', ['x'.repeat(128)])).toHaveLength(1);
    });

    it('refuses any other tenant_id with 400 invalid_request, on every route that takes one', async () => {
      const bad = ['x'.repeat(129), 'a b', 'a/b', 'a%b', 'ü', 'a\u0000b', 'a*b', 'a+b', 'a,b', 'a#b', 'a?b', 'a"b', '\u{1F600}'];
      for (const id of bad) {
        const path = `/admin/tenants/${encodeURIComponent(id)}`;
        const body = await expectError(await put(path, { name: 'n' }), 400, 'invalid_request');
        expect(body.message).toBe('tenant_id must be 1-128 characters of [A-Za-z0-9._:@-]');
        await expectError(await admin.get(path), 400, 'invalid_request');
        await expectError(await admin.request(path, { method: 'DELETE' }), 400, 'invalid_request');
      }
      // A malformed percent-encoding is refused too, never a 500.
      await expectError(await put('/admin/tenants/%E0%A4%A', { name: 'n' }), 400, 'invalid_request');
      expect(await query(t.db.url, "SELECT tenant_id FROM tenants WHERE tenant_id LIKE 'xxxxxxxxxx%' AND length(tenant_id) > 128")).toEqual(
        [],
      );
    });

    it('refuses a bad name with 400 invalid_request and stores nothing', async () => {
      const cases: [unknown, RegExp][] = [
        [undefined, /name must be a string/],
        [null, /name must be a string/],
        [42, /name must be a string/],
        ['', /name must be longer than or equal to 1/],
        ['   ', /name must not be blank/],
        ['x'.repeat(201), /name must be shorter than or equal to 200/],
        ['line\nbreak', /control characters/],
        ['tab\there', /control characters/],
        ['nul\u0000', /control characters/],
      ];
      for (const [name, message] of cases) {
        const body = await expectError(await put('/admin/tenants/bad-name', name === undefined ? {} : { name }), 400, 'invalid_request');
        expect({ name, message: body.message }).toEqual({ name, message: expect.stringMatching(message) });
      }
      const lone = await expectError(await putRaw('/admin/tenants/bad-name', '{"name":"lone \\ud800"}'), 400, 'invalid_request');
      expect(lone.message).toMatch(/lone surrogates/);
      expect((await put('/admin/tenants/bad-name', { name: 'x'.repeat(200) })).status).toBe(201);
      await expectError(await put('/admin/tenants/other', { name: 'n', extra: 1 }), 400, 'invalid_request');
      await expectError(await putRaw('/admin/tenants/other', '{"name":'), 400, 'invalid_json');
      expect(await query(t.db.url, "SELECT 1 FROM tenants WHERE tenant_id = 'other'")).toEqual([]);
    });

    it('takes metadata only as a flat object of at most 20 string values', async () => {
      const twenty = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, `v${i}`]));
      const edge = { ['k'.repeat(64)]: 'v'.repeat(1000), 'ünïcode 🙂': 'ok', empty: '' };
      for (const metadata of [twenty, edge, {}]) {
        const response = await put('/admin/tenants/meta', { name: 'Meta', metadata });
        expect(response.status).toBeLessThan(300);
        expect(((await response.json()) as Tenant).metadata).toEqual(metadata);
      }
      const bad: [unknown, RegExp][] = [
        [null, /metadata must be a JSON object/],
        [[], /metadata must be a JSON object/],
        [['a'], /metadata must be a JSON object/],
        ['text', /metadata must be a JSON object/],
        [7, /metadata must be a JSON object/],
        [{ nested: { a: 'b' } }, /metadata.nested must be a string/],
        [{ list: ['a'] }, /metadata.list must be a string/],
        [{ number: 1 }, /metadata.number must be a string/],
        [{ flag: true }, /metadata.flag must be a string/],
        [{ nothing: null }, /metadata.nothing must be a string/],
        [{ ...twenty, k20: 'one too many' }, /at most 20 keys/],
        [{ '': 'empty key' }, /1-64 characters/],
        [{ ['k'.repeat(65)]: 'v' }, /1-64 characters/],
        [{ key: 'v'.repeat(1001) }, /at most 1000 characters/],
        [{ 'new\nline': 'v' }, /control characters/],
        [{ key: 'nul \u0000' }, /U\+0000/],
      ];
      for (const [metadata, message] of bad) {
        const body = await expectError(await put('/admin/tenants/meta', { name: 'Changed', metadata }), 400, 'invalid_request');
        expect({ metadata, message: body.message }).toEqual({ metadata, message: expect.stringMatching(message) });
      }
      // What jsonb cannot store is refused, never a 500. `__proto__`, `prototype` and `constructor` members are
      // ignored, as in every body (the validation pipe drops them): never a prototype, never a 500.
      await expectError(await putRaw('/admin/tenants/meta', '{"name":"n","metadata":{"a":"\\udc00"}}'), 400, 'invalid_request');
      const proto = await putRaw(
        '/admin/tenants/meta',
        '{"name":"Meta","metadata":{"__proto__":{"a":"b"},"constructor":"c","prototype":"p","k":"v"}}',
      );
      expect(proto.status).toBe(200);
      expect(((await proto.json()) as Tenant).metadata).toEqual({ k: 'v' });
      const [row] = await query<{ name: string; metadata: unknown }>(
        t.db.url,
        "SELECT name, metadata::text AS metadata FROM tenants WHERE tenant_id = 'meta'",
      );
      expect(row).toEqual({ name: 'Meta', metadata: '{"k": "v"}' });
    });

    it('is the admin key only', async () => {
      await expectError(await put('/admin/tenants/sneaky', { name: 'n' }, service), 403, 'forbidden');
      await expectError(await service.get('/admin/tenants'), 403, 'forbidden');
      await expectError(await service.get('/admin/tenants/acme'), 403, 'forbidden');
      await expectError(await fetch(`${t.baseUrl}/admin/tenants`), 401, 'unauthorized');
      expect(await query(t.db.url, "SELECT 1 FROM tenants WHERE tenant_id = 'sneaky'")).toEqual([]);
    });
  });

  describe('GET /admin/tenants', () => {
    it('pages in tenant_id order with limit and after; next_after is null on the last page', async () => {
      for (const id of ['page-03', 'page-01', 'page-05', 'page-02', 'page-04']) await put(`/admin/tenants/${id}`, { name: id });
      const everything = (await (await admin.get('/admin/tenants?limit=1000')).json()) as { tenants: Tenant[]; next_after: string | null };
      expect(everything.next_after).toBeNull();
      const ids = everything.tenants.map((tenant) => tenant.tenant_id);
      expect(ids).toEqual(expect.arrayContaining(['acme', 'keep', 'page-01', 'page-05']));
      const [{ n }] = await query<{ n: number }>(t.db.url, 'SELECT count(*)::int AS n FROM tenants');
      expect(ids).toHaveLength(n);
      // The same order the database sorts in, walked two at a time.
      const walked: string[] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 100; guard += 1) {
        const page = (await (await admin.get(`/admin/tenants?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`)).json()) as {
          tenants: Tenant[];
          next_after: string | null;
        };
        expect(page.tenants.length).toBeLessThanOrEqual(2);
        walked.push(...page.tenants.map((tenant) => tenant.tenant_id));
        if (page.next_after === null) break;
        expect(page.next_after).toBe(page.tenants[page.tenants.length - 1].tenant_id);
        after = page.next_after;
      }
      expect(walked).toEqual(ids);
      const fromPage = (await (await admin.get('/admin/tenants?after=page-02&limit=2')).json()) as { tenants: Tenant[] };
      expect(fromPage.tenants.map((tenant) => tenant.tenant_id)).toEqual(['page-03', 'page-04']);
      expect(fromPage.tenants[0]).toEqual({
        tenant_id: 'page-03',
        name: 'page-03',
        metadata: {},
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      // The default page holds up to 100.
      expect(((await (await admin.get('/admin/tenants')).json()) as { tenants: Tenant[] }).tenants).toHaveLength(Math.min(n, 100));
    });

    it('refuses bad paging parameters with 400 invalid_request', async () => {
      for (const bad of [
        'limit=0',
        'limit=1001',
        'limit=x',
        'limit=1&limit=2',
        'after=a%20b',
        `after=${'x'.repeat(129)}`,
        'after=',
        'page=2',
      ]) {
        await expectError(await admin.get(`/admin/tenants?${bad}`), 400, 'invalid_request');
      }
    });
  });

  describe('PUT /admin/authorizations/{id}/tenant and GET /admin/tenants/{tenant_id}', () => {
    it('counts a tenant with no sellers as zero in every status; an unknown tenant is 404 tenant_not_found', async () => {
      const body = (await (await admin.get('/admin/tenants/bare')).json()) as Tenant & { counts: Counts };
      expect(body).toMatchObject({ tenant_id: 'bare', name: 'Bare', metadata: {} });
      expect(body.counts).toEqual({ authorizations: ZERO_AUTHORIZATIONS, shops: ZERO_SHOPS });
      const missing = await expectError(await admin.get('/admin/tenants/nobody'), 404, 'tenant_not_found');
      expect(missing.message).toContain('nobody');
    });

    it("moves a seller and its shops to a tenant, announces it to every replica's cache, records an event and an audit record", async () => {
      const listener = new Client({ connectionString: t.db.url });
      await listener.connect();
      const heard: string[] = [];
      listener.on('notification', (message) => heard.push(message.payload ?? ''));
      await listener.query('LISTEN tts_invalidate');
      try {
        const response = await put(`/admin/authorizations/${authorizationOf[UK_SELLER]}/tenant`, { tenant_id: 'acme' });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          authorization_id: authorizationOf[UK_SELLER],
          app: 'default',
          tenant_id: 'acme',
          previous_tenant_id: null,
          shop_ids: ['7000000000000001', UK_OUTLET],
        });
        await waitFor(() => heard.includes(JSON.stringify({ kind: 'authorization', id: authorizationOf[UK_SELLER] })), 5000);
      } finally {
        await listener.end();
      }
      expect(await query(t.db.url, 'SELECT tenant_id FROM seller_authorizations WHERE id = $1', [authorizationOf[UK_SELLER]])).toEqual([
        { tenant_id: 'acme' },
      ]);
      expect(
        await query(t.db.url, "SELECT detail FROM authorization_events WHERE type = 'tenant_changed' AND authorization_id = $1", [
          authorizationOf[UK_SELLER],
        ]),
      ).toEqual([{ detail: { from: null, to: 'acme' } }]);
      expect(await newestAudit()).toMatchObject({
        action: 'authorization_tenant_changed',
        target_id: authorizationOf[UK_SELLER],
        detail: { from: null, to: 'acme', changed: true },
      });

      // Moved on to another tenant, and back: each move is an event; the same tenant again changes nothing.
      expect((await put(`/admin/authorizations/${authorizationOf[UK_SELLER]}/tenant`, { tenant_id: 'keep' })).status).toBe(200);
      const back = await put(`/admin/authorizations/${authorizationOf[UK_SELLER]}/tenant`, { tenant_id: 'acme' });
      expect(await back.json()).toMatchObject({ tenant_id: 'acme', previous_tenant_id: 'keep' });
      const same = await put(`/admin/authorizations/${authorizationOf[UK_SELLER]}/tenant`, { tenant_id: 'acme' });
      expect(await same.json()).toMatchObject({ tenant_id: 'acme', previous_tenant_id: 'acme' });
      expect(await newestAudit()).toMatchObject({
        action: 'authorization_tenant_changed',
        detail: { from: 'acme', to: 'acme', changed: false },
      });
      const events = await query<{ detail: unknown }>(
        t.db.url,
        "SELECT detail FROM authorization_events WHERE type = 'tenant_changed' AND authorization_id = $1 ORDER BY id",
        [authorizationOf[UK_SELLER]],
      );
      expect(events.map((event) => event.detail)).toEqual([
        { from: null, to: 'acme' },
        { from: 'acme', to: 'keep' },
        { from: 'keep', to: 'acme' },
      ]);
    });

    it('counts the tenant authorizations and shops by status, every status present', async () => {
      expect((await put(`/admin/authorizations/${authorizationOf[US_SELLER]}/tenant`, { tenant_id: 'acme' })).status).toBe(200);
      const counts = async (): Promise<Counts> => ((await (await admin.get('/admin/tenants/acme')).json()) as { counts: Counts }).counts;
      expect(await counts()).toEqual({ authorizations: { ...ZERO_AUTHORIZATIONS, active: 2 }, shops: { ...ZERO_SHOPS, active: 3 } });
      // The CB seller belongs to no tenant: not counted anywhere.
      expect(((await (await admin.get('/admin/tenants/keep')).json()) as { counts: Counts }).counts).toEqual({
        authorizations: ZERO_AUTHORIZATIONS,
        shops: ZERO_SHOPS,
      });

      expect((await admin.request(`/admin/shops/${UK_OUTLET}`, { method: 'DELETE' })).status).toBe(200);
      await query(t.db.url, "UPDATE seller_authorizations SET refresh_token_expires_at = now() + interval '10 days' WHERE id = $1", [
        authorizationOf[US_SELLER],
      ]);
      expect(await counts()).toEqual({
        authorizations: { ...ZERO_AUTHORIZATIONS, active: 1, expiring: 1 },
        shops: { ...ZERO_SHOPS, active: 1, expiring: 1, revoked: 1 },
      });
      await query(t.db.url, "UPDATE seller_authorizations SET status = 'reauthorization_required' WHERE id = $1", [
        authorizationOf[US_SELLER],
      ]);
      await query(t.db.url, "UPDATE shops SET status = 'deauthorized' WHERE id = '7000000000000001'");
      expect(await counts()).toEqual({
        authorizations: { ...ZERO_AUTHORIZATIONS, active: 1, reauthorization_required: 1 },
        shops: { ...ZERO_SHOPS, reauthorization_required: 1, revoked: 1, deauthorized: 1 },
      });
    });

    it('detaches a seller with tenant_id null', async () => {
      const response = await put(`/admin/authorizations/${authorizationOf[CB_SELLER]}/tenant`, { tenant_id: 'keep' });
      expect(response.status).toBe(200);
      const detached = await put(`/admin/authorizations/${authorizationOf[CB_SELLER]}/tenant`, { tenant_id: null });
      expect(await detached.json()).toEqual({
        authorization_id: authorizationOf[CB_SELLER],
        app: 'default',
        tenant_id: null,
        previous_tenant_id: 'keep',
        shop_ids: ['7000000000000201', '7000000000000202'],
      });
      expect(await query(t.db.url, 'SELECT tenant_id FROM seller_authorizations WHERE id = $1', [authorizationOf[CB_SELLER]])).toEqual([
        { tenant_id: null },
      ]);
    });

    it('answers 404 for an unknown authorization (a malformed id too) or tenant, 400 for a bad body, and changes nothing', async () => {
      const before = await query(t.db.url, 'SELECT count(*)::int AS n FROM audit_events');
      const path = `/admin/authorizations/${authorizationOf[CB_SELLER]}/tenant`;
      await expectError(
        await put('/admin/authorizations/00000000-0000-4000-8000-000000000000/tenant', { tenant_id: 'acme' }),
        404,
        'authorization_not_found',
      );
      await expectError(await put('/admin/authorizations/not-a-uuid/tenant', { tenant_id: 'acme' }), 404, 'authorization_not_found');
      await expectError(await put(path, { tenant_id: 'nobody' }), 404, 'tenant_not_found');
      for (const body of [
        {},
        { tenant_id: 'a b' },
        { tenant_id: 'x'.repeat(129) },
        { tenant_id: 5 },
        { tenant_id: '' },
        { tenant_id: 'acme', extra: 1 },
      ]) {
        await expectError(await put(path, body), 400, 'invalid_request');
      }
      await expectError(await put(path, { tenant_id: 'acme' }, service), 403, 'forbidden');
      expect(await query(t.db.url, 'SELECT tenant_id FROM seller_authorizations WHERE id = $1', [authorizationOf[CB_SELLER]])).toEqual([
        { tenant_id: null },
      ]);
      expect(await query(t.db.url, 'SELECT count(*)::int AS n FROM audit_events')).toEqual(before);
    });
  });
});
