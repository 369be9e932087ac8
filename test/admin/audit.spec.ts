import { query } from '../support/database';
import { consent, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { recordSecrets } from '../support/secrets';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

const UK_SHOP = '7000000000000001';
const UK_OUTLET = '7000000000000002';
const US_SHOP = '7000000000000101';

interface AuditEvent {
  id: string;
  actor_key_id: string;
  action: string;
  target_id: string;
  detail: Record<string, unknown>;
  created_at: string;
}
interface AuditPage {
  events: AuditEvent[];
  page: number;
  limit: number;
}

/** The admin operations that change state, and the action each records: a new one must be added here. */
const AUDITED: Record<string, string> = {
  'POST /admin/api-keys': 'api_key_created',
  'DELETE /admin/api-keys/{id}': 'api_key_deleted',
  'POST /admin/shops/{shop_id}/refresh': 'shop_refresh_forced',
  'DELETE /admin/shops/{shop_id}': 'shop_revoked',
  'PUT /admin/tenants/{tenant_id}': 'tenant_saved',
  'DELETE /admin/tenants/{tenant_id}': 'tenant_offboarded',
  'PUT /admin/authorizations/{id}/tenant': 'authorization_tenant_changed',
};

describe('audit log (GET /admin/audit)', () => {
  let t: TestApp;
  let browser: HttpClient;
  let admin: KeyClient;
  let service: KeyClient;
  let serviceKeyId: string;
  const createdKeys: string[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    browser = new HttpClient(t.baseUrl);
    for (const seller of [UK_SELLER, US_SELLER]) expect((await consent(browser, seller)).status).toBe(200);
    admin = new KeyClient(t.baseUrl, t.adminKey);
    const key = await createServiceKey(t.baseUrl, t.adminKey, 'svc');
    createdKeys.push(key);
    service = new KeyClient(t.baseUrl, key);
    const [{ id }] = await query<{ id: string }>(t.db.url, "SELECT id FROM api_keys WHERE name = 'svc'");
    serviceKeyId = id;
  });
  afterAll(async () => {
    await t.close();
  });

  const newest = async (limit = 1): Promise<AuditEvent[]> =>
    ((await (await admin.get(`/admin/audit?limit=${limit}`)).json()) as AuditPage).events;
  const count = async (): Promise<number> => Number((await query<{ n: string }>(t.db.url, 'SELECT count(*) AS n FROM audit_events'))[0].n);

  it('covers every admin operation of the OpenAPI document that changes state', async () => {
    const document = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const changing = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => method !== 'get' && path.startsWith('/admin/'))
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(changing.sort()).toEqual(Object.keys(AUDITED).sort());
    expect(document.paths['/admin/audit'].get).toBeDefined();
  });

  it('records a created API key by the acting key id, in the same transaction as the key', async () => {
    const response = await admin.postJson('/admin/api-keys', { name: 'orders-service', shop_ids: [UK_SHOP] });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { id: string; key: string };
    createdKeys.push(created.key);
    const [event] = await newest();
    expect(event).toMatchObject({
      actor_key_id: 'admin',
      action: AUDITED['POST /admin/api-keys'],
      target_id: created.id,
      detail: { name: 'orders-service', shop_ids: [UK_SHOP] },
      created_at: expect.any(String),
    });
    const [row] = await query<{ same: boolean }>(
      t.db.url,
      'SELECT a.xmin = k.xmin AS same FROM audit_events a JOIN api_keys k ON k.id::text = a.target_id WHERE a.id = $1',
      [event.id],
    );
    expect(row.same).toBe(true);
    // A name JavaScript allows but jsonb would not (a lone surrogate) is recorded as stored, never a 500.
    const odd = await admin.request('/admin/api-keys', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":"lone \\ud800 surrogate"}',
    });
    expect(odd.status).toBe(201);
    const oddKey = (await odd.json()) as { id: string; key: string };
    createdKeys.push(oddKey.key);
    expect((await newest())[0].detail).toEqual({
      name: 'lone \ufffd surrogate',
      shop_ids: null,
      tenant_ids: null,
      permissions: ['tokens'],
    });
    expect(await query(t.db.url, 'SELECT name FROM api_keys WHERE id = $1', [oddKey.id])).toEqual([{ name: 'lone \ufffd surrogate' }]);
  });

  it('records a deleted API key; an unknown key (404) or a service key (403) records nothing', async () => {
    const response = await admin.postJson('/admin/api-keys', { name: 'short-lived' });
    const created = (await response.json()) as { id: string; key: string };
    createdKeys.push(created.key);
    expect((await admin.request(`/admin/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(204);
    const [event] = await newest();
    expect(event).toMatchObject({
      actor_key_id: 'admin',
      action: AUDITED['DELETE /admin/api-keys/{id}'],
      target_id: created.id,
      detail: { name: 'short-lived', shop_ids: null },
    });
    const before = await count();
    expect((await admin.request(`/admin/api-keys/${created.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await service.request(`/admin/api-keys/${serviceKeyId}`, { method: 'DELETE' })).status).toBe(403);
    expect((await service.postJson('/admin/api-keys', { name: 'sneaky' })).status).toBe(403);
    expect(await count()).toBe(before);
  });

  it('records a revoked shop with the revocation, and nothing when TikTok refuses the deauthorization', async () => {
    await admin.postJson('/sandbox/_control/faults', { endpoint: 'deauthorize', type: 'http_500', count: 1 });
    const before = await count();
    expect((await admin.request(`/admin/shops/${US_SHOP}?deauthorize=true`, { method: 'DELETE' })).status).toBe(502);
    expect((await admin.request('/admin/shops/7999999999999999', { method: 'DELETE' })).status).toBe(404);
    expect(await count()).toBe(before);

    expect((await admin.request(`/admin/shops/${UK_OUTLET}`, { method: 'DELETE' })).status).toBe(200);
    const [event] = await newest();
    expect(event).toMatchObject({
      actor_key_id: 'admin',
      action: AUDITED['DELETE /admin/shops/{shop_id}'],
      target_id: UK_OUTLET,
      detail: { deauthorize: false, already_revoked: false, authorization_revoked: false, deauthorized_at_tiktok: false },
    });
    const [row] = await query<{ same: boolean }>(
      t.db.url,
      'SELECT a.xmin = s.xmin AS same FROM audit_events a JOIN shops s ON s.id = a.target_id WHERE a.id = $1',
      [event.id],
    );
    expect(row.same).toBe(true);
  });

  it('records a forced refresh with its outcome', async () => {
    expect((await admin.postJson(`/admin/shops/${UK_SHOP}/refresh`, {})).status).toBe(200);
    const [event] = await newest();
    const [{ id: authorizationId }] = await query<{ id: string }>(t.db.url, 'SELECT id FROM seller_authorizations WHERE open_id = $1', [
      UK_SELLER,
    ]);
    expect(event).toMatchObject({
      actor_key_id: 'admin',
      action: AUDITED['POST /admin/shops/{shop_id}/refresh'],
      target_id: UK_SHOP,
      detail: { authorization_id: authorizationId, outcome: 'refreshed' },
    });
    // A refresh TikTok does not answer (of a shop not refreshed within the last seconds) changed the shop's
    // backoff: recorded, with that outcome.
    await admin.postJson('/sandbox/_control/faults', { endpoint: '*', type: 'http_503' });
    try {
      const failed = await admin.postJson(`/admin/shops/${US_SHOP}/refresh`, {});
      expect(failed.status).toBe(503);
      expect(await failed.json()).toMatchObject({ error: 'tiktok_unavailable' });
    } finally {
      await admin.request('/sandbox/_control/faults', { method: 'DELETE' });
    }
    expect((await newest())[0]).toMatchObject({
      action: 'shop_refresh_forced',
      target_id: US_SHOP,
      detail: { outcome: 'tiktok_unavailable' },
    });
    // A revoked shop is refused before anything is attempted: nothing to record.
    const before = await count();
    expect((await admin.postJson(`/admin/shops/${UK_OUTLET}/refresh`, {})).status).toBe(409);
    expect(await count()).toBe(before);
  });

  it('lists the events newest first in pages, and never a key, token or secret', async () => {
    const all = (await (await admin.get('/admin/audit')).json()) as AuditPage;
    expect(all).toMatchObject({ page: 1, limit: 50 });
    expect(all.events.map((event) => event.action)).toEqual([
      'shop_refresh_forced',
      'shop_refresh_forced',
      'shop_revoked',
      'api_key_deleted',
      'api_key_created',
      'api_key_created',
      'api_key_created',
      'api_key_created',
    ]);
    const ids = all.events.map((event) => Number(event.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const pages = [];
    for (let page = 1; page <= 5; page += 1) pages.push((await (await admin.get(`/admin/audit?limit=2&page=${page}`)).json()) as AuditPage);
    expect(pages.map((page) => page.events.length)).toEqual([2, 2, 2, 2, 0]);
    expect(pages.flatMap((page) => page.events)).toEqual(all.events);
    expect(pages[1]).toMatchObject({ page: 2, limit: 2 });

    const text = JSON.stringify(all);
    const stats = await sandboxStats(browser);
    for (const secret of [t.adminKey, ...createdKeys, ...createdKeys.map((key) => key.slice(0, 12))]) expect(text).not.toContain(secret);
    for (const secret of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens, ...stats.issued.codes]) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/tts_|v1:test-/);
    recordSecrets(createdKeys);
  });

  it('refuses bad paging with 400 invalid_request, and a service key with 403', async () => {
    for (const bad of ['page=0', 'page=-1', 'page=x', 'page=100001', 'limit=0', 'limit=501', 'limit=1.5', 'page=1&page=2', 'extra=1']) {
      const response = await admin.get(`/admin/audit?${bad}`);
      expect(`${bad} ${response.status}`).toBe(`${bad} 400`);
      expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    }
    const refused = await service.get('/admin/audit');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'forbidden' });
  });
});
