import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { TiktokApps } from '../../src/config/tiktok-apps';
import { NotificationsService } from '../../src/notifications/notifications.service';
import { ConnectSessionsRepository } from '../../src/tenants/connect-sessions.repository';
import { query } from '../support/database';
import { consent, injectFault, sandboxStats, UK_SELLER, US_SELLER, CB_SELLER, clearFaults } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';
import { waitFor } from '../support/wait';

const UK_SHOP = '7000000000000001';
const UK_OUTLET = '7000000000000002';
const US_SHOP = '7000000000000101';
const MY_SHOP = '7000000000000201';
const TH_SHOP = '7000000000000202';
const SELLER_NAMES = ['Demo Seller UK', 'Demo Seller US'];

interface ShopReport {
  shop_id: string;
  authorization_id: string;
  result: string;
  deauthorized_at_tiktok: boolean;
  authorization_revoked: boolean;
  error: string | null;
  message: string | null;
}
interface Report {
  tenant_id: string;
  deleted: boolean;
  deauthorize: boolean;
  connect_sessions_cancelled: number;
  shops_revoked: number;
  shops_failed: number;
  authorizations_revoked: number;
  seller_names_erased: number;
  shops: ShopReport[];
}

/** A notification receiver on 127.0.0.1 that takes everything. */
async function startReceiver(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => response.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe('DELETE /admin/tenants/{tenant_id}: offboarding', () => {
  let t: TestApp;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let browser: HttpClient;
  let admin: KeyClient;
  const authorizationOf: Record<string, string> = {};

  const put = (path: string, body: unknown): Promise<Response> =>
    admin.request(path, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const offboard = (tenantId: string, deauthorize?: boolean): Promise<Response> =>
    admin.request(`/admin/tenants/${tenantId}${deauthorize === undefined ? '' : `?deauthorize=${deauthorize}`}`, { method: 'DELETE' });
  const deauthorizeCalls = async (): Promise<number> => (await sandboxStats(browser)).calls.deauthorize ?? 0;
  async function moveTo(tenantId: string, openId: string): Promise<void> {
    expect((await put(`/admin/authorizations/${authorizationOf[openId]}/tenant`, { tenant_id: tenantId })).status).toBe(200);
  }
  async function authorization(openId: string): Promise<Record<string, unknown>> {
    const [row] = await query<Record<string, unknown>>(
      t.db.url,
      `SELECT tenant_id, seller_name, status, access_token IS NOT NULL AS has_access, refresh_token IS NOT NULL AS has_refresh
         FROM seller_authorizations WHERE open_id = $1`,
      [openId],
    );
    return row;
  }
  async function shopStatuses(...ids: string[]): Promise<Record<string, string>> {
    const rows = await query<{ id: string; status: string }>(t.db.url, 'SELECT id, status FROM shops WHERE id = ANY($1) ORDER BY id', [
      ids,
    ]);
    return Object.fromEntries(rows.map((row) => [row.id, row.status]));
  }
  async function addSession(tenantId: string): Promise<string> {
    const id = randomUUID();
    const tokenHash = createHash('sha256').update(id).digest('hex');
    await t.app.get(ConnectSessionsRepository).insert({ id, tokenHash, tenantId, returnUrl: null, createdByKeyId: 'admin' }, 1800);
    return id;
  }
  async function announceConnected(tenantId: string, openId: string, sellerName: string): Promise<void> {
    const notifications = t.app.get(NotificationsService);
    await t.app.get(DataSource).transaction((manager) =>
      notifications.connected(manager, {
        tenantId,
        connectSessionId: randomUUID(),
        authorizationId: authorizationOf[openId],
        appKey: t.app.get(TiktokApps).default.appKey,
        openId,
        sellerName,
        shopIds: [],
        reconnect: false,
      }),
    );
  }

  beforeAll(async () => {
    receiver = await startReceiver();
    t = await startTestApp({
      NOTIFY_WEBHOOK_URL: receiver.url,
      NOTIFY_WEBHOOK_SECRET: 'notify-secret-for-tests-0123456789',
      NOTIFY_POLL_MS: '100',
      // The race below holds one deauthorize call for 3 s: TikTok's answer must still count.
      TIKTOK_HTTP_TIMEOUT_MS: '10000',
    });
    browser = new HttpClient(t.baseUrl);
    for (const seller of [UK_SELLER, US_SELLER, CB_SELLER]) expect((await consent(browser, seller)).status).toBe(200);
    admin = new KeyClient(t.baseUrl, t.adminKey);
    for (const row of await query<{ id: string; open_id: string }>(t.db.url, 'SELECT id, open_id FROM seller_authorizations')) {
      authorizationOf[row.open_id] = row.id;
    }
    for (const id of ['acme', 'other', 'solo', 'empty', 'race'])
      expect((await put(`/admin/tenants/${id}`, { name: `Tenant ${id}` })).status).toBe(201);
    await moveTo('acme', UK_SELLER);
    await moveTo('acme', US_SELLER);
    await moveTo('other', CB_SELLER);
  });
  afterAll(async () => {
    await t.close();
    await receiver.close();
  });

  it('answers 404 tenant_not_found for an unknown tenant, 400 for a bad deauthorize, 403 for a service key', async () => {
    const missing = await offboard('nobody');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toBe('tenant_not_found');
    const bad = await admin.request('/admin/tenants/acme?deauthorize=yes', { method: 'DELETE' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe('invalid_request');
    const service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'svc'));
    expect((await service.request('/admin/tenants/acme', { method: 'DELETE' })).status).toBe(403);
    expect((await admin.get('/admin/tenants/acme')).status).toBe(200);
  });

  it('with deauthorize=true and TikTok failing for one shop: 502 with the per-shop report; what succeeded stays done, the tenant stays', async () => {
    const acmeSession = await addSession('acme');
    const otherSession = await addSession('other');
    await announceConnected('acme', UK_SELLER, 'Demo Seller UK');
    // Announced while the US seller belonged to another tenant, before it moved to acme.
    await announceConnected('other', US_SELLER, 'Demo Seller US');
    await announceConnected('other', CB_SELLER, 'Demo Cross-border Seller');
    const calls = await deauthorizeCalls();
    // The first deauthorize (shops go in id order: the UK shop) fails, the others succeed.
    await injectFault(browser, { endpoint: 'deauthorize', type: 'http_500', count: 1 });

    const response = await offboard('acme', true);
    expect(response.status).toBe(502);
    const body = (await response.json()) as Report & { statusCode: number; error: string; message: string };
    expect(body).toMatchObject({
      statusCode: 502,
      error: 'tiktok_error',
      message: expect.stringContaining('call again'),
      tenant_id: 'acme',
      deleted: false,
      deauthorize: true,
      connect_sessions_cancelled: 1,
      shops_revoked: 2,
      shops_failed: 1,
      authorizations_revoked: 1,
      seller_names_erased: 0,
    });
    expect(body.shops).toEqual([
      {
        shop_id: UK_SHOP,
        app: 'default',
        authorization_id: authorizationOf[UK_SELLER],
        result: 'failed',
        deauthorized_at_tiktok: false,
        authorization_revoked: false,
        error: 'tiktok_error',
        message: expect.stringContaining('TikTok did not deauthorize the shop'),
      },
      {
        shop_id: UK_OUTLET,
        app: 'default',
        authorization_id: authorizationOf[UK_SELLER],
        result: 'revoked',
        deauthorized_at_tiktok: true,
        authorization_revoked: false,
        error: null,
        message: null,
      },
      {
        shop_id: US_SHOP,
        app: 'default',
        authorization_id: authorizationOf[US_SELLER],
        result: 'revoked',
        deauthorized_at_tiktok: true,
        authorization_revoked: true,
        error: null,
        message: null,
      },
    ]);
    expect(await deauthorizeCalls()).toBe(calls + 3);

    // What succeeded is done; the failed shop and its seller are untouched; the tenant is kept.
    expect(await shopStatuses(UK_SHOP, UK_OUTLET, US_SHOP)).toEqual({ [UK_SHOP]: 'active', [UK_OUTLET]: 'revoked', [US_SHOP]: 'revoked' });
    expect(await authorization(UK_SELLER)).toEqual({
      tenant_id: 'acme',
      seller_name: 'Demo Seller UK',
      status: 'active',
      has_access: true,
      has_refresh: true,
    });
    expect(await authorization(US_SELLER)).toMatchObject({ tenant_id: 'acme', status: 'revoked', has_access: false, has_refresh: false });
    const detail = (await (await admin.get('/admin/tenants/acme')).json()) as {
      counts: { authorizations: Record<string, number>; shops: Record<string, number> };
    };
    expect(detail.counts.authorizations).toMatchObject({ active: 1, revoked: 1 });
    expect(detail.counts.shops).toMatchObject({ active: 1, revoked: 2 });
    // Its pending connect session is cancelled; another tenant's is not.
    expect(await query(t.db.url, 'SELECT id, status FROM connect_sessions ORDER BY status')).toEqual([
      { id: acmeSession, status: 'cancelled' },
      { id: otherSession, status: 'pending' },
    ]);
    const audits = await query<{ action: string; target_id: string; detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT action, target_id, detail FROM audit_events WHERE action IN ('tenant_offboarded', 'shop_revoked') ORDER BY id",
    );
    expect(audits).toEqual([
      {
        action: 'shop_revoked',
        target_id: UK_OUTLET,
        detail: expect.objectContaining({ offboarded_tenant_id: 'acme', deauthorized_at_tiktok: true }),
      },
      {
        action: 'shop_revoked',
        target_id: US_SHOP,
        detail: expect.objectContaining({ offboarded_tenant_id: 'acme', authorization_revoked: true }),
      },
      {
        action: 'tenant_offboarded',
        target_id: 'acme',
        detail: expect.objectContaining({ deleted: false, shops_revoked: 2, shops_failed: 1, failed_shop_ids: [UK_SHOP] }),
      },
    ]);
  });

  it('a second call finishes the rest: the tenant is removed, seller names erased everywhere, no token left', async () => {
    const calls = await deauthorizeCalls();
    const response = await offboard('acme', true);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      tenant_id: 'acme',
      deleted: true,
      deauthorize: true,
      connect_sessions_cancelled: 0,
      shops_revoked: 1,
      shops_failed: 0,
      authorizations_revoked: 1,
      seller_names_erased: 2,
      shops: [
        {
          shop_id: UK_SHOP,
          app: 'default',
          authorization_id: authorizationOf[UK_SELLER],
          result: 'revoked',
          deauthorized_at_tiktok: true,
          authorization_revoked: true,
          error: null,
          message: null,
        },
      ],
    });
    // Only the shop left over was deauthorized this time.
    expect(await deauthorizeCalls()).toBe(calls + 1);

    // Gone: a repeated call is 404, as is a read.
    expect((await admin.get('/admin/tenants/acme')).status).toBe(404);
    const again = await offboard('acme', true);
    expect(again.status).toBe(404);
    expect(((await again.json()) as { error: string }).error).toBe('tenant_not_found');
    expect(await query(t.db.url, "SELECT 1 FROM tenants WHERE tenant_id = 'acme'")).toEqual([]);

    // Its sellers: revoked, tokens destroyed, name erased, no tenant. Another tenant's seller is untouched.
    for (const seller of [UK_SELLER, US_SELLER]) {
      expect(await authorization(seller)).toEqual({
        tenant_id: null,
        seller_name: null,
        status: 'revoked',
        has_access: false,
        has_refresh: false,
      });
    }
    expect(await authorization(CB_SELLER)).toEqual({
      tenant_id: 'other',
      seller_name: 'Demo Cross-border Seller',
      status: 'active',
      has_access: true,
      has_refresh: true,
    });
    expect(await shopStatuses(UK_SHOP, UK_OUTLET, US_SHOP, MY_SHOP)).toEqual({
      [UK_SHOP]: 'revoked',
      [UK_OUTLET]: 'revoked',
      [US_SHOP]: 'revoked',
      [MY_SHOP]: 'active',
    });
    const token = await admin.get(`/v1/shops/${UK_SHOP}/token`);
    expect(token.status).toBe(409);

    // No stored notification, event or audit record names them; the notifications keep their shape.
    const outbox = await query<{ type: string; payload: { data: Record<string, unknown> } }>(
      t.db.url,
      'SELECT type, payload FROM notification_outbox ORDER BY id',
    );
    for (const row of outbox) for (const name of SELLER_NAMES) expect(JSON.stringify(row.payload)).not.toContain(name);
    const connected = outbox.filter((row) => row.type === 'authorization.connected').map((row) => row.payload.data);
    expect(connected).toEqual([
      expect.objectContaining({ tenant_id: 'acme', authorization_id: authorizationOf[UK_SELLER], seller_name: null }),
      expect.objectContaining({ tenant_id: 'other', authorization_id: authorizationOf[US_SELLER], seller_name: null }),
      expect.objectContaining({
        tenant_id: 'other',
        authorization_id: authorizationOf[CB_SELLER],
        seller_name: 'Demo Cross-border Seller',
      }),
    ]);
    expect(outbox.filter((row) => row.type === 'authorization.status_changed').map((row) => row.payload.data)).toEqual(
      expect.arrayContaining([expect.objectContaining({ status: 'revoked', tenant_id: 'acme', shop_ids: [UK_SHOP] })]),
    );
    for (const table of ['authorization_events', 'audit_events']) {
      const rows = await query<{ detail: string }>(t.db.url, `SELECT detail::text AS detail FROM ${table}`);
      for (const row of rows) for (const name of SELLER_NAMES) expect(row.detail).not.toContain(name);
    }
    // Events keep ids and types: the audit trail of what happened to each seller.
    const events = await query<{ type: string; shop_id: string | null }>(
      t.db.url,
      "SELECT type, shop_id FROM authorization_events WHERE authorization_id = $1 AND type IN ('shop_revoked', 'revoked') ORDER BY id",
      [authorizationOf[UK_SELLER]],
    );
    expect(events).toEqual([
      { type: 'shop_revoked', shop_id: UK_OUTLET },
      { type: 'shop_revoked', shop_id: UK_SHOP },
      { type: 'revoked', shop_id: null },
    ]);
    // The tenant's connect sessions went with it; the other tenant's stays.
    expect(await query(t.db.url, 'SELECT tenant_id, status FROM connect_sessions')).toEqual([{ tenant_id: 'other', status: 'pending' }]);
    const [last] = await query<{ detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT detail FROM audit_events WHERE action = 'tenant_offboarded' ORDER BY id DESC LIMIT 1",
    );
    expect(last.detail).toMatchObject({
      deleted: true,
      shops_revoked: 1,
      authorizations_revoked: 1,
      seller_names_erased: 2,
      failed_shop_ids: [],
    });
  });

  it('without deauthorize: revokes locally, an authorization with no granted shop left included, and never calls TikTok', async () => {
    // The UK seller consents again (belonging to no tenant now), is given to `solo`, then loses its shops.
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    await moveTo('solo', UK_SELLER);
    await query(t.db.url, "UPDATE shops SET status = 'deauthorized' WHERE authorization_id = $1", [authorizationOf[UK_SELLER]]);
    const calls = await deauthorizeCalls();
    const response = await offboard('solo');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      deleted: true,
      deauthorize: false,
      shops_revoked: 0,
      authorizations_revoked: 1,
      seller_names_erased: 1,
      shops: [],
    });
    expect(await deauthorizeCalls()).toBe(calls);
    expect(await authorization(UK_SELLER)).toEqual({
      tenant_id: null,
      seller_name: null,
      status: 'revoked',
      has_access: false,
      has_refresh: false,
    });
    const [event] = await query<{ detail: unknown }>(
      t.db.url,
      "SELECT detail FROM authorization_events WHERE authorization_id = $1 AND type = 'revoked' ORDER BY id DESC LIMIT 1",
      [authorizationOf[UK_SELLER]],
    );
    expect(event.detail).toEqual({ source: 'admin', reason: 'tenant offboarded' });

    // A tenant with no sellers goes at once.
    const empty = await offboard('empty', false);
    expect(empty.status).toBe(200);
    expect(await empty.json()).toMatchObject({ deleted: true, shops_revoked: 0, authorizations_revoked: 0, seller_names_erased: 0 });
  });

  it('revokes a seller that consents again during the offboarding before the tenant goes: no active authorization is left of it', async () => {
    await clearFaults(browser);
    // The UK seller is back, and belongs to `race`, but fully revoked (nothing to do for it when the offboarding starts).
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    await moveTo('race', UK_SELLER);
    await moveTo('race', CB_SELLER);
    for (const shop of [UK_SHOP, UK_OUTLET]) expect((await admin.request(`/admin/shops/${shop}`, { method: 'DELETE' })).status).toBe(200);
    expect(await authorization(UK_SELLER)).toMatchObject({ tenant_id: 'race', status: 'revoked', has_access: false });

    // The first deauthorize (the CB seller's MY shop) is held 3 s; meanwhile the UK seller consents again.
    const calls = await deauthorizeCalls();
    await injectFault(browser, { endpoint: 'deauthorize', type: 'timeout', delay_ms: 3000, count: 1 });
    let finished = false;
    const offboarding = offboard('race', true).then((response) => {
      finished = true;
      return response;
    });
    await waitFor(async () => (await deauthorizeCalls()) > calls, 5000);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    // The consent landed while the offboarding was still revoking: the case under test.
    expect(finished).toBe(false);
    expect(await authorization(UK_SELLER)).toMatchObject({ tenant_id: 'race', status: 'active', has_access: true });

    const response = await offboarding;
    expect(response.status).toBe(200);
    const report = (await response.json()) as Report;
    expect(report).toMatchObject({ deleted: true, shops_failed: 0, shops_revoked: 4, authorizations_revoked: 2, seller_names_erased: 2 });
    expect(report.shops.map((shop) => [shop.shop_id, shop.result, shop.deauthorized_at_tiktok])).toEqual([
      [MY_SHOP, 'revoked', true],
      [TH_SHOP, 'revoked', true],
      [UK_SHOP, 'revoked', true],
      [UK_OUTLET, 'revoked', true],
    ]);
    for (const seller of [UK_SELLER, CB_SELLER]) {
      expect(await authorization(seller)).toEqual({
        tenant_id: null,
        seller_name: null,
        status: 'revoked',
        has_access: false,
        has_refresh: false,
      });
    }
    expect(
      await query(
        t.db.url,
        "SELECT a.id FROM seller_authorizations a LEFT JOIN shops s ON s.authorization_id = a.id AND s.status = 'active' WHERE a.status = 'active' OR s.id IS NOT NULL",
      ),
    ).toEqual([]);
  });
});
