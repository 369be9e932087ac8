import { AuthorizationViewsRepository } from '../../src/shops/authorization-views.repository';
import { query } from '../support/database';
import { consent, sandboxControl, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

/** The value of one sample line, e.g. value(text, 'tts_refreshes_total{outcome="refreshed",trigger="api",app="default"}'). */
function value(text: string, sample: string): number {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}

describe('GET /metrics', () => {
  let t: TestApp;
  let browser: HttpClient;
  let service: KeyClient;
  const scrape = async () => {
    const response = await browser.get('/metrics', 'text/plain');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  beforeAll(async () => {
    // Every scrape reads the stored state here: this suite checks the values, the next one the snapshot.
    t = await startTestApp({ METRICS_REFRESH_SECONDS: '0' });
    browser = new HttpClient(t.baseUrl);
    await consent(browser, UK_SELLER);
    await consent(browser, US_SELLER);
    service = new KeyClient(t.baseUrl, await createServiceKey(t.baseUrl, t.adminKey, 'svc'));
  });
  afterAll(async () => {
    await t.close();
  });

  it('moves when refreshes and token requests happen, and reports stored state', async () => {
    const before = await scrape();
    expect(value(before, 'tts_authorizations{status="active",app="default"}')).toBe(2);
    expect(value(before, 'tts_earliest_expiry_seconds{token="access",app="default"}')).toBeGreaterThan(6 * 86400);

    await query(t.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '100 seconds' WHERE open_id = $1", [
      UK_SELLER,
    ]);
    expect((await service.get('/v1/shops/7000000000000001/token')).status).toBe(200);
    expect((await service.get('/v1/shops/7000000000000001/token')).status).toBe(200);
    expect((await service.get('/v1/shops/7999999999999999/token')).status).toBe(404);
    await sandboxControl(browser, `authorizations/${US_SELLER}/revoke`, {});
    await query(t.db.url, "UPDATE seller_authorizations SET access_token_expires_at = now() + interval '100 seconds' WHERE open_id = $1", [
      US_SELLER,
    ]);
    expect((await service.get('/v1/shops/7000000000000101/token')).status).toBe(409);

    const after = await scrape();
    const delta = (sample: string) => value(after, sample) - value(before, sample);
    expect(delta('tts_refreshes_total{outcome="refreshed",trigger="api",app="default"}')).toBe(1);
    expect(delta('tts_refreshes_total{outcome="reauthorization_required",trigger="api",app="default"}')).toBe(1);
    expect(delta('tts_refresh_duration_seconds_count{outcome="success",app="default"}')).toBe(1);
    expect(delta('tts_token_requests_total{outcome="served"}')).toBe(2);
    expect(delta('tts_token_requests_total{outcome="shop_not_found"}')).toBe(1);
    expect(delta('tts_token_requests_total{outcome="reauthorization_required"}')).toBe(1);
    expect(value(after, 'tts_authorizations{status="reauthorization_required",app="default"}')).toBe(1);
    expect(value(after, 'tts_earliest_expiry_seconds{token="access",app="default"}')).toBeGreaterThan(6 * 86400);
    expect(after).toContain('tts_process_');
    // One app, never refused here.
    expect(after).toContain('tts_tiktok_app_failing{app="default"} 0');

    // Never a secret.
    const stats = await sandboxStats(browser);
    for (const secret of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens, t.adminKey]) expect(after).not.toContain(secret);
  });

  it('prefixes the process metrics once and leaves out the Node.js version', async () => {
    const text = await scrape();
    const names = [...new Set(text.split('\n').flatMap((line) => (line.startsWith('# TYPE ') ? [line.split(' ')[2]] : [])))];
    expect(names).toEqual(
      expect.arrayContaining([
        'tts_process_cpu_user_seconds_total',
        'tts_process_resident_memory_bytes',
        'tts_nodejs_eventloop_lag_seconds',
      ]),
    );
    for (const name of names) {
      // tts_process_process_cpu_user_seconds_total was one: a segment written twice in a row.
      expect({ name, prefixed: name.startsWith('tts_'), repeated: /(^|_)([a-z]+)_\2(_|$)/.test(name) }).toEqual({
        name,
        prefixed: true,
        repeated: false,
      });
    }
    expect(names.filter((name) => name.includes('version'))).toEqual([]);
    expect(text).not.toContain(process.version);
    expect(text).not.toContain(process.version.slice(1));
  });
});

describe('GET /metrics with the default snapshot period and METRICS_TOKEN', () => {
  const token = 'metrics-token-0123456789abcdef';
  let t: TestApp;
  let browser: HttpClient;
  const scrape = (authorization?: string) =>
    fetch(`${t.baseUrl}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

  beforeAll(async () => {
    t = await startTestApp({ METRICS_TOKEN: token });
    browser = new HttpClient(t.baseUrl);
    await consent(browser, UK_SELLER);
    await consent(browser, US_SELLER);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a scrape without the token, with a wrong one or another scheme (401 unauthorized)', async () => {
    for (const authorization of [undefined, `Bearer ${token}x`, `Bearer ${token.slice(0, -1)}`, `Basic ${token}`, `Bearer ${t.adminKey}`]) {
      const response = await scrape(authorization);
      const body = (await response.json()) as { error: string };
      expect({ authorization, status: response.status, error: body.error }).toEqual({ authorization, status: 401, error: 'unauthorized' });
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
    }
    const response = await scrape(`Bearer ${token}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('tts_authorizations{status="active",app="default"} 2');
  });

  it('reads the stored state once per METRICS_REFRESH_SECONDS (15 by default), not on every scrape', async () => {
    expect(t.config.metrics.refreshSeconds).toBe(15);
    // The gauges' own queries, counted where the gauges call them.
    const views = t.app.get(AuthorizationViewsRepository);
    const counts = jest.spyOn(views, 'countByStatus');
    const expiries = jest.spyOn(views, 'earliestExpiries');
    try {
      const first = await (await scrape(`Bearer ${token}`)).text();
      expect(value(first, 'tts_authorizations{status="active",app="default"}')).toBe(2);
      counts.mockClear();
      expiries.mockClear();
      // The snapshot that scrape loaded (under 15 s old) is served...
      await query(t.db.url, "UPDATE seller_authorizations SET status = 'revoked' WHERE open_id = $1", [US_SELLER]);
      const texts = await Promise.all([1, 2, 3, 4, 5].map(async () => (await scrape(`Bearer ${token}`)).text()));
      for (const text of texts) {
        expect(value(text, 'tts_authorizations{status="active",app="default"}')).toBe(2);
        expect(value(text, 'tts_authorizations{status="revoked",app="default"}')).toBe(0);
        // ...with the seconds left still counting down from it.
        expect(value(text, 'tts_earliest_expiry_seconds{token="access",app="default"}')).toBeGreaterThan(6 * 86400);
      }
      expect(counts).not.toHaveBeenCalled();
      expect(expiries).not.toHaveBeenCalled();
    } finally {
      counts.mockRestore();
      expiries.mockRestore();
    }
  });
});
