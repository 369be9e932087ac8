import { query } from '../support/database';
import { consent, sandboxControl, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey, KeyClient } from '../support/tokens';

/** The value of one sample line, e.g. value(text, 'tts_refreshes_total{outcome="refreshed",trigger="api"}'). */
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
    t = await startTestApp();
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
    expect(value(before, 'tts_authorizations{status="active"}')).toBe(2);
    expect(value(before, 'tts_earliest_expiry_seconds{token="access"}')).toBeGreaterThan(6 * 86400);

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
    expect(delta('tts_refreshes_total{outcome="refreshed",trigger="api"}')).toBe(1);
    expect(delta('tts_refreshes_total{outcome="reauthorization_required",trigger="api"}')).toBe(1);
    expect(delta('tts_refresh_duration_seconds_count{outcome="success"}')).toBe(1);
    expect(delta('tts_token_requests_total{outcome="served"}')).toBe(2);
    expect(delta('tts_token_requests_total{outcome="shop_not_found"}')).toBe(1);
    expect(delta('tts_token_requests_total{outcome="reauthorization_required"}')).toBe(1);
    expect(value(after, 'tts_authorizations{status="reauthorization_required"}')).toBe(1);
    expect(value(after, 'tts_earliest_expiry_seconds{token="access"}')).toBeGreaterThan(6 * 86400);
    expect(after).toContain('tts_process_');

    // Never a secret.
    const stats = await sandboxStats(browser);
    for (const secret of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens, t.adminKey]) expect(after).not.toContain(secret);
  });
});
