import { storedTokens } from '../support/stored-tokens';
import { clearFaults, consent, injectFault, sandboxStats, UK_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

const UK_SHOP = '7000000000000001';
/** Tokens live an hour here: asking for two makes the service refresh on the spot, every time. */
const NEEDS_A_REFRESH = `/v1/shops/${UK_SHOP}/token?min_ttl=7200`;

type Stored = {
  id: string;
  status: string;
  access_token: string;
  refresh_token: string;
  tokens_issued_at: string;
};

/**
 * Every way TikTok's token endpoint misbehaves, end to end through the service: the answer the caller gets,
 * how the failure is recorded, that the stored pair is untouched, and that the next good answer is used.
 */
describe('TikTok faults on refresh', () => {
  let t: TestApp;
  let browser: HttpClient;
  let service: KeyClient;

  beforeAll(async () => {
    t = await startTestApp({
      SANDBOX_ACCESS_TOKEN_TTL_SECONDS: '3600',
      TIKTOK_HTTP_TIMEOUT_MS: '800',
      REFRESH_BACKOFF_BASE_SECONDS: '1',
      REFRESH_BACKOFF_MAX_SECONDS: '2',
    });
    browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'faults'));
  });
  afterAll(async () => {
    await t.close();
  });
  afterEach(async () => {
    await clearFaults(browser);
  });

  const stored = async (): Promise<Stored> =>
    (
      await query<Stored>(
        t.db.url,
        'SELECT id, status, access_token, refresh_token, tokens_issued_at::text FROM seller_authorizations WHERE open_id = $1',
        [UK_SELLER],
      )
    )[0];

  const lastFailure = async (id: string) =>
    (
      await query<{ detail: { reason: string; transient: boolean } }>(
        t.db.url,
        "SELECT detail FROM authorization_events WHERE authorization_id = $1 AND type = 'refresh_failed' ORDER BY id DESC LIMIT 1",
        [id],
      )
    )[0]?.detail;

  /** A good refresh afterwards: the emulator's next pair is stored and served. */
  async function recovers(): Promise<void> {
    // Once the backoff (at most 2 s here) is over, the next request refreshes and succeeds.
    const deadline = Date.now() + 6000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = (await service.get(NEEDS_A_REFRESH)).status;
      if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(status).toBe(200);
    const stats = await sandboxStats(browser);
    const row = await stored();
    const tokens = await storedTokens(t.app).readTokens(row.id);
    expect(tokens).toEqual({ accessToken: stats.current[UK_SELLER].access_token, refreshToken: stats.current[UK_SELLER].refresh_token });
    expect(row.status).toBe('active');
  }

  const transient: [string, Record<string, unknown>, string, boolean?][] = [
    ['HTTP 500', { type: 'http_500' }, 'server_error'],
    ['HTTP 503', { type: 'http_503' }, 'server_error'],
    ['rate limiting (429 / 36009002)', { type: 'rate_limit' }, 'rate_limited'],
    ['a slow answer past the timeout', { type: 'timeout', delay_ms: 1500 }, 'timeout'],
    ['an HTML error page', { type: 'html' }, 'server_error'],
    ['malformed JSON', { type: 'bad_json' }, 'invalid_response'],
    ['HTTP 200 with internal error 36009003', { type: 'error_code', code: 36009003 }, 'server_error'],
    // Not a known outage, not a known "grant gone": refused, retried with backoff, never a re-consent.
    ['HTTP 200 with an undocumented code', { type: 'error_code', code: 12345678 }, 'request_rejected', false],
    ['expiry fields missing', { type: 'missing_expiry' }, 'invalid_response'],
    ['an access token expiring in the past', { type: 'past_expiry' }, 'invalid_response'],
  ];

  it.each(transient)(
    '%s: 503 with Retry-After, recorded as %j, the stored pair untouched',
    async (_label, fault, reason, isTransient = true) => {
      const before = await stored();
      await injectFault(browser, { endpoint: 'token_refresh', count: 1, ...fault });
      const response = await service.get(NEEDS_A_REFRESH);
      expect(response.status).toBe(503);
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await response.json()).toMatchObject({ error: 'tiktok_unavailable' });
      expect(await lastFailure(before.id)).toMatchObject({ reason, transient: isTransient });
      // Byte for byte: no half-written pair, no status change.
      expect(await stored()).toEqual(before);
      // The last token is still served while it is valid.
      expect((await service.get(`/v1/shops/${UK_SHOP}/token`)).status).toBe(200);
      await recovers();
    },
  );

  it.each([
    ['refresh token expired (36004001)', 36004001],
    ['no authorization record (36004005)', 36004005],
  ])('%s: 409 reauthorization_required, the stored pair kept for the record, a consent restores it', async (_label, code) => {
    const before = await stored();
    await injectFault(browser, { endpoint: 'token_refresh', count: 1, type: 'error_code', code });
    const response = await service.get(NEEDS_A_REFRESH);
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: 'reauthorization_required' });
    const after = await stored();
    expect(after).toEqual({ ...before, status: 'reauthorization_required' });
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    await recovers();
  });

  it('an answer lost after TikTok rotated the pair: the dead refresh token is found out on the next try, never used twice at once', async () => {
    const before = await stored();
    // TikTok processes the refresh, then the answer never arrives (a timeout past ours).
    await injectFault(browser, { endpoint: 'token_refresh', count: 1, type: 'timeout', delay_ms: 1500, process_first: true });
    const first = await service.get(NEEDS_A_REFRESH);
    expect(first.status).toBe(503);
    expect(await stored()).toEqual(before);
    // The stored refresh token is now dead at TikTok: the next refresh says so, and the seller must consent.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const second = await service.get(NEEDS_A_REFRESH);
    expect(second.status).toBe(409);
    expect((await stored()).status).toBe('reauthorization_required');
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    await recovers();
  });
});
