import { Client } from 'pg';
import { beginConsent, callbackUrl, consent, mintCode, sandboxControl, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { beginSession, browser, createSession, createTenant, redirectQuery, sessionConsent } from '../support/connect';
import { query } from '../support/database';
import { notifyEnv, NotifyReceiver, startNotifyReceiver } from '../support/notify-receiver';
import { storedTokens } from '../support/stored-tokens';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

const PRODUCT = 'http://127.0.0.1:9912';
const UK_SHOPS = ['7000000000000001', '7000000000000002'];

async function authorizationOf(t: TestApp, openId: string): Promise<{ id: string; tenant_id: string | null; status: string }> {
  const [row] = await query<{ id: string; tenant_id: string | null; status: string }>(
    t.db.url,
    'SELECT id, tenant_id, status FROM seller_authorizations WHERE open_id = $1',
    [openId],
  );
  return row;
}

async function shopOwners(
  t: TestApp,
  ids: string[],
): Promise<Record<string, { open_id: string; tenant_id: string | null; status: string }>> {
  const rows = await query<{ id: string; open_id: string; tenant_id: string | null; status: string }>(
    t.db.url,
    `SELECT s.id, a.open_id, a.tenant_id, s.status FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id
      WHERE s.id = ANY($1::varchar[]) ORDER BY s.id`,
    [ids],
  );
  return Object.fromEntries(rows.map(({ id, ...owner }) => [id, owner]));
}

/** Until the outbox has nothing left to deliver and the receiver holds every delivered event. */
async function drained(t: TestApp, receiver: NotifyReceiver): Promise<void> {
  await waitFor(async () => {
    const [{ pending, delivered }] = await query<{ pending: number; delivered: number }>(
      t.db.url,
      `SELECT count(*) FILTER (WHERE delivered_at IS NULL AND failed_at IS NULL)::int AS pending,
              count(*) FILTER (WHERE delivered_at IS NOT NULL)::int AS delivered FROM notification_outbox`,
    );
    return pending === 0 && receiver.events.length >= delivered;
  }, 8000);
}

/** A seller of the emulator with these shops (created or replaced). */
async function sandboxSeller(t: TestApp, openId: string, shops: { id: string; name: string }[]): Promise<void> {
  const response = await sandboxControl(browser(t), 'sellers', {
    open_id: openId,
    seller_name: `Seller ${openId}`,
    seller_base_region: 'GB',
    shops: shops.map((shop) => ({ ...shop, region: 'GB', seller_type: 'LOCAL' })),
  });
  if (response.status >= 300) throw new Error(`sandbox seller: ${response.status} ${await response.text()}`);
}

/** Every invalidation the instance publishes while `work` runs (LISTEN on its channel). */
async function invalidationsDuring(t: TestApp, work: () => Promise<void>): Promise<string[]> {
  const listener = new Client({ connectionString: t.db.url });
  const heard: string[] = [];
  await listener.connect();
  try {
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
    await listener.query('LISTEN tts_invalidate');
    await work();
    // A NOTIFY of this process's own: once it arrives, every earlier one has too (delivered in commit order).
    await listener.query(`NOTIFY tts_invalidate, 'end'`);
    await waitFor(() => heard.includes('end'), 5000);
  } finally {
    await listener.end();
  }
  return heard.filter((payload) => payload !== 'end');
}

describe('who owns a seller and its shops', () => {
  let t: TestApp;
  let receiver: NotifyReceiver;

  beforeAll(async () => {
    receiver = await startNotifyReceiver();
    t = await startTestApp({ CONNECT_RETURN_ORIGINS: PRODUCT, ...notifyEnv(receiver) });
    await createTenant(t, 'tenant-a');
    await createTenant(t, 'tenant-b');
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });
  /** Every notification so far delivered, then forgotten on both sides. */
  async function resetNotifications(): Promise<void> {
    await drained(t, receiver);
    await query(t.db.url, 'TRUNCATE notification_outbox');
    receiver.events.length = 0;
  }

  beforeEach(async () => {
    await resetNotifications();
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events, connect_sessions CASCADE');
  });

  it('gives a seller of no tenant to the session tenant, and announces it connected', async () => {
    expect((await consent(browser(t), UK_SELLER)).status).toBe(200);
    const before = await authorizationOf(t, UK_SELLER);
    expect(before.tenant_id).toBeNull();
    const session = await createSession(t, 'tenant-b', `${PRODUCT}/back`);
    let response: Response | undefined;
    const heard = await invalidationsDuring(t, async () => {
      response = await sessionConsent(browser(t), session, UK_SELLER, 'text/html');
    });
    expect(redirectQuery(response as Response)).toMatchObject({ status: 'success', shop_ids: UK_SHOPS.join(',') });
    expect(await authorizationOf(t, UK_SELLER)).toEqual({ ...before, tenant_id: 'tenant-b' });
    expect(heard).toContain(JSON.stringify({ kind: 'authorization', id: before.id }));
    await drained(t, receiver);
    expect(receiver.ofType('authorization.connected').map((event) => event.data)).toEqual([
      {
        tenant_id: 'tenant-b',
        connect_session_id: session.id,
        authorization_id: before.id,
        app: 'default',
        open_id: UK_SELLER,
        seller_name: 'Demo Seller UK',
        shop_ids: UK_SHOPS,
        reconnect: false,
      },
    ]);
  });

  it("keeps a seller of tenant A with A when it consents through B's session, with the newest token pair", async () => {
    const own = await createSession(t, 'tenant-a', `${PRODUCT}/a`);
    expect(redirectQuery(await sessionConsent(browser(t), own, UK_SELLER, 'text/html')).status).toBe('success');
    const owned = await authorizationOf(t, UK_SELLER);
    await resetNotifications();

    const other = await createSession(t, 'tenant-b', `${PRODUCT}/b?from=settings`);
    const response = await sessionConsent(browser(t), other, UK_SELLER, 'text/html');
    expect(response.status).toBe(302);
    expect(redirectQuery(response)).toEqual({
      from: 'settings',
      connect_session_id: other.id,
      status: 'error',
      error: 'seller_owned_by_other_tenant',
    });
    expect(await authorizationOf(t, UK_SELLER)).toEqual(owned);
    expect(await shopOwners(t, UK_SHOPS)).toEqual(
      Object.fromEntries(UK_SHOPS.map((id) => [id, { open_id: UK_SELLER, tenant_id: 'tenant-a', status: 'active' }])),
    );
    // TikTok replaced the pair with this consent: the new one is what A's authorization holds now.
    const stats = await sandboxStats(browser(t));
    const stored = await storedTokens(t.app).readTokens(owned.id);
    expect(stored).toEqual({ accessToken: stats.current[UK_SELLER].access_token, refreshToken: stats.current[UK_SELLER].refresh_token });
    const [event] = await query<{ authorization_id: string; type: string; detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT authorization_id, type, detail FROM authorization_events WHERE type = 'ownership_conflict'",
    );
    expect(event).toEqual({
      authorization_id: owned.id,
      type: 'ownership_conflict',
      detail: expect.objectContaining({ tenant_id: 'tenant-b', owner_tenant_id: 'tenant-a', connect_session_id: other.id }) as unknown,
    });
    // B's link did not complete: the merchant may still connect another account with it.
    const [row] = await query<{ status: string }>(t.db.url, 'SELECT status FROM connect_sessions WHERE id = $1', [other.id]);
    expect(row.status).toBe('pending');
    await drained(t, receiver);
    expect(receiver.ofType('authorization.connected')).toEqual([]);
    expect(receiver.ofType('authorization.connect_failed').map((e) => e.data)).toEqual([
      { tenant_id: 'tenant-b', connect_session_id: other.id, app: 'default', error: 'seller_owned_by_other_tenant' },
    ]);

    // Without a return_url: the same refusal as JSON, 409.
    const json = await sessionConsent(browser(t), await createSession(t, 'tenant-b'), UK_SELLER);
    expect(json.status).toBe(409);
    expect(await json.json()).toMatchObject({ error: 'seller_owned_by_other_tenant' });
    expect((await authorizationOf(t, UK_SELLER)).tenant_id).toBe('tenant-a');
  });

  it('never changes the tenant on an anonymous consent', async () => {
    const own = await createSession(t, 'tenant-a');
    expect((await sessionConsent(browser(t), own, UK_SELLER)).status).toBe(200);
    const response = await consent(browser(t), UK_SELLER);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ tenant_id: null });
    expect((await authorizationOf(t, UK_SELLER)).tenant_id).toBe('tenant-a');
  });

  it.each([
    ['reauthorization_required', "UPDATE seller_authorizations SET status = 'reauthorization_required'"],
    [
      'revoked',
      `UPDATE seller_authorizations SET status = 'revoked', access_token = NULL, refresh_token = NULL;
       UPDATE shops SET status = 'revoked'`,
    ],
  ])('restores a %s authorization on a reconnect through the same tenant', async (previous, degrade) => {
    expect((await sessionConsent(browser(t), await createSession(t, 'tenant-a'), UK_SELLER)).status).toBe(200);
    const first = await authorizationOf(t, UK_SELLER);
    await query(t.db.url, degrade);
    await resetNotifications();
    const session = await createSession(t, 'tenant-a', `${PRODUCT}/back`);
    const response = await sessionConsent(browser(t), session, UK_SELLER, 'text/html');
    expect(redirectQuery(response)).toMatchObject({ status: 'success', shop_ids: UK_SHOPS.join(',') });
    expect(await authorizationOf(t, UK_SELLER)).toEqual({ ...first, status: 'active' });
    expect(Object.values(await shopOwners(t, UK_SHOPS)).map((shop) => shop.status)).toEqual(['active', 'active']);
    await drained(t, receiver);
    expect(receiver.ofType('authorization.connected').map((event) => event.data)).toEqual([
      expect.objectContaining({ tenant_id: 'tenant-a', connect_session_id: session.id, authorization_id: first.id, reconnect: true }),
    ]);
    expect(receiver.ofType('authorization.status_changed').map((event) => event.data)).toEqual([
      expect.objectContaining({ status: 'active', previous_status: previous, tenant_id: 'tenant-a', shop_ids: UK_SHOPS }),
    ]);
  });

  it("keeps a shop owned through tenant A with A when another seller grants it through B's session", async () => {
    await sandboxSeller(t, 'sbx-open-owner-a', [{ id: '7000000000000901', name: 'Contested shop' }]);
    expect((await sessionConsent(browser(t), await createSession(t, 'tenant-a'), 'sbx-open-owner-a')).status).toBe(200);
    // At TikTok the shop now comes with another seller account, which B's merchant connects.
    await sandboxSeller(t, 'sbx-open-owner-a', [{ id: '7000000000000903', name: 'Remaining shop' }]);
    await sandboxSeller(t, 'sbx-open-claimer-b', [
      { id: '7000000000000901', name: 'Contested shop' },
      { id: '7000000000000902', name: 'Own shop' },
    ]);
    const session = await createSession(t, 'tenant-b', `${PRODUCT}/back`);
    let response: Response | undefined;
    const heard = await invalidationsDuring(t, async () => {
      response = await sessionConsent(browser(t), session, 'sbx-open-claimer-b', 'text/html');
    });
    expect(redirectQuery(response as Response)).toEqual({
      connect_session_id: session.id,
      status: 'success',
      open_id: 'sbx-open-claimer-b',
      shop_ids: '7000000000000902',
      conflicting_shop_ids: '7000000000000901',
    });
    expect(await shopOwners(t, ['7000000000000901', '7000000000000902'])).toEqual({
      '7000000000000901': { open_id: 'sbx-open-owner-a', tenant_id: 'tenant-a', status: 'active' },
      '7000000000000902': { open_id: 'sbx-open-claimer-b', tenant_id: 'tenant-b', status: 'active' },
    });
    const owner = await authorizationOf(t, 'sbx-open-owner-a');
    const claimer = await authorizationOf(t, 'sbx-open-claimer-b');
    const [event] = await query<{ authorization_id: string; shop_id: string; detail: Record<string, unknown> }>(
      t.db.url,
      "SELECT authorization_id, shop_id, detail FROM authorization_events WHERE type = 'ownership_conflict'",
    );
    expect(event).toEqual({
      authorization_id: owner.id,
      shop_id: '7000000000000901',
      detail: expect.objectContaining({ to_authorization_id: claimer.id, tenant_id: 'tenant-b', owner_tenant_id: 'tenant-a' }) as unknown,
    });
    // The owner's authorization did not change: nobody needs to forget it.
    expect(heard).not.toContain(JSON.stringify({ kind: 'authorization', id: owner.id }));
    await drained(t, receiver);
    expect(receiver.ofType('authorization.connected').map((e) => e.data.shop_ids)).toEqual([['7000000000000901'], ['7000000000000902']]);

    // The JSON answer lists it too; an anonymous consent (no tenant) cannot take it either.
    await sandboxSeller(t, 'sbx-open-claimer-b', [{ id: '7000000000000902', name: 'Own shop' }]);
    await sandboxSeller(t, 'sbx-open-anonymous', [{ id: '7000000000000901', name: 'Contested shop' }]);
    const anonymous = await consent(browser(t), 'sbx-open-anonymous');
    expect(anonymous.status).toBe(200);
    expect(anonymous.body).toMatchObject({ tenant_id: null, shops: [], conflicting_shop_ids: ['7000000000000901'] });
    expect((await shopOwners(t, ['7000000000000901']))['7000000000000901'].open_id).toBe('sbx-open-owner-a');
  });

  it('still moves a shop between sellers of the same tenant, and from a seller of no tenant, telling both', async () => {
    await sandboxSeller(t, 'sbx-open-first', [{ id: '7000000000000911', name: 'Moving shop' }]);
    expect((await consent(browser(t), 'sbx-open-first')).status).toBe(200);
    const first = await authorizationOf(t, 'sbx-open-first');
    await sandboxSeller(t, 'sbx-open-first', [{ id: '7000000000000912', name: 'Other shop' }]);
    await sandboxSeller(t, 'sbx-open-second', [{ id: '7000000000000911', name: 'Moving shop' }]);
    const heard = await invalidationsDuring(t, async () => {
      const response = await sessionConsent(browser(t), await createSession(t, 'tenant-a'), 'sbx-open-second');
      expect(await response.json()).toMatchObject({
        shops: [expect.objectContaining({ shop_id: '7000000000000911' })],
        conflicting_shop_ids: [],
      });
    });
    const second = await authorizationOf(t, 'sbx-open-second');
    expect(await shopOwners(t, ['7000000000000911'])).toEqual({
      '7000000000000911': { open_id: 'sbx-open-second', tenant_id: 'tenant-a', status: 'active' },
    });
    expect(heard).toEqual(
      expect.arrayContaining([
        JSON.stringify({ kind: 'authorization', id: first.id }),
        JSON.stringify({ kind: 'authorization', id: second.id }),
      ]),
    );

    await sandboxSeller(t, 'sbx-open-second', [{ id: '7000000000000913', name: 'Other shop' }]);
    await sandboxSeller(t, 'sbx-open-third', [{ id: '7000000000000911', name: 'Moving shop' }]);
    const third = await sessionConsent(browser(t), await createSession(t, 'tenant-a'), 'sbx-open-third');
    expect(await third.json()).toMatchObject({ conflicting_shop_ids: [] });
    expect((await shopOwners(t, ['7000000000000911']))['7000000000000911'].open_id).toBe('sbx-open-third');
  });

  it('announces connect_failed for a denial and a TikTok error, once the state proved the session', async () => {
    const session = await createSession(t, 'tenant-b', `${PRODUCT}/back`);
    const client = browser(t);
    const denied = await client.get(callbackUrl({ state: await beginSession(client, session), error: 'auth_denied' }), 'text/html');
    expect(redirectQuery(denied).error).toBe('access_denied');
    const refused = await client.get(callbackUrl({ state: await beginSession(client, session), code: 'made-up' }), 'text/html');
    expect(redirectQuery(refused).error).toBe('invalid_code');
    // An anonymous failure concerns no tenant.
    await client.get(callbackUrl({ state: (await beginConsent(client)).state, error: 'auth_denied' }));
    // Nor does one whose state proves nothing.
    await client.get(callbackUrl({ state: await beginSession(browser(t), session), code: await mintCode(client, US_SELLER) }));
    await drained(t, receiver);
    expect(receiver.events.map((event) => [event.type, event.data])).toEqual([
      ['authorization.connect_failed', { tenant_id: 'tenant-b', connect_session_id: session.id, app: 'default', error: 'access_denied' }],
      ['authorization.connect_failed', { tenant_id: 'tenant-b', connect_session_id: session.id, app: 'default', error: 'invalid_code' }],
    ]);
  });
});
