import { query } from '../support/database';
import { beginConsent, callbackUrl, mintCode, sandboxStats, UK_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

const SIGNED = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;

/** The value of cookie `name` in the Set-Cookie lines of a response; undefined when it sets none. */
function setCookie(response: Response, name: string): string | undefined {
  const line = response.headers.getSetCookie().find((candidate) => candidate.startsWith(`${name}=`));
  return line?.slice(name.length + 1).split(';')[0];
}

/** A browser's consent through the real routes, up to TikTok's redirect back: the callback URL. */
async function approvedCallback(client: HttpClient, openId = UK_SELLER): Promise<{ url: string; code: string; state: string }> {
  const { state } = await beginConsent(client);
  const code = await mintCode(client, openId);
  return { url: callbackUrl({ code, state }), code, state };
}

describe('the result page after a callback (post/redirect/get)', () => {
  let t: TestApp;
  let client: HttpClient;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    client = new HttpClient(t.baseUrl);
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events CASCADE');
  });

  it('sends a browser to /auth/result, which lists the shops on every reload and holds no code or state', async () => {
    const { url, code, state } = await approvedCallback(client);
    const callback = await client.get(url, 'text/html');
    expect(callback.status).toBe(303);
    expect(callback.headers.get('location')).toBe('/auth/result');
    const result = decodeURIComponent(setCookie(callback, 'tts_result') ?? '');
    // `<base64url JSON>.<signature>`: what it holds, read as the service reads it.
    const held = Buffer.from(result.slice(0, result.lastIndexOf('.')), 'base64url').toString('utf8');
    expect(JSON.parse(held)).toMatchObject({ o: 'c', a: expect.any(String) });
    for (const text of [result, held]) {
      expect(text).not.toContain(code);
      expect(text).not.toContain(state);
    }
    expect(callback.headers.getSetCookie().find((line) => line.startsWith('tts_result='))).toMatch(
      /HttpOnly.*SameSite=Lax|SameSite=Lax.*HttpOnly/i,
    );

    const stats = await sandboxStats(client);
    for (let load = 0; load < 3; load += 1) {
      const page = await client.get('/auth/result', 'text/html');
      expect(page.status).toBe(200);
      expect(page.headers.get('cache-control')).toBe('no-store');
      // The strict policy of every page: no script at all.
      expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(page.headers.get('content-security-policy')).not.toContain('script-src');
      const body = await page.text();
      expect(body).toContain('<h1 id="result">Shops connected</h1>');
      expect(body).toContain('data-shop-id="7000000000000001"');
      expect(body).toContain('data-shop-id="7000000000000002"');
      for (const secret of [code, state, ...stats.issued.access_tokens, ...stats.issued.refresh_tokens, t.adminKey]) {
        expect(body).not.toContain(secret);
      }
    }
    // Replaying the callback itself is refused as before (the state is spent), and becomes this browser's result.
    expect((await client.get(url, 'application/json')).status).toBe(400);
  });

  it('says "Authorization renewed" after a second consent of the same seller', async () => {
    for (const heading of ['Shops connected', 'Authorization renewed']) {
      expect((await client.get((await approvedCallback(client)).url, 'text/html')).status).toBe(303);
      expect(await (await client.get('/auth/result', 'text/html')).text()).toContain(`<h1 id="result">${heading}</h1>`);
    }
  });

  it('answers JSON clients as before, without a redirect', async () => {
    const { url } = await approvedCallback(client);
    const response = await client.get(url, 'application/json');
    expect(response.status).toBe(200);
    expect(((await response.json()) as { open_id: string }).open_id).toBe(UK_SELLER);
  });

  it('shows "no result" (404) without the cookie, with a forged one, and with a browser id in its place', async () => {
    const { url } = await approvedCallback(client);
    const callback = await client.get(url, 'text/html');
    const issued = setCookie(callback, 'tts_result') ?? '';
    const [payload, signature] = [issued.slice(0, issued.lastIndexOf('.')), issued.slice(issued.lastIndexOf('.') + 1)];
    const forged = Buffer.from(JSON.stringify({ o: 'f', e: 'internal_error', m: 'forged', x: 4102444800 })).toString('base64url');
    const stranger = new HttpClient(t.baseUrl);
    for (const value of [undefined, `${forged}.${signature}`, `${payload}.${'A'.repeat(43)}`, client.cookie('tts_browser')]) {
      stranger.clearCookies();
      if (value !== undefined) stranger.setCookie('tts_result', value);
      const page = await stranger.get('/auth/result', 'text/html');
      expect(page.status).toBe(404);
      const body = await page.text();
      expect(body).toContain('No authorization result to show');
      expect(body).not.toContain('forged');
    }
    const json = await stranger.get('/auth/result', 'application/json');
    expect([json.status, ((await json.json()) as { error: string }).error]).toEqual([404, 'result_not_found']);
  });

  it('shows a failure with its own status and heading, on every reload', async () => {
    await beginConsent(client);
    const denied = await client.get(callbackUrl({ code: 'null', error: 'auth_denied', state: 'x'.repeat(43) }), 'text/html');
    expect(denied.status).toBe(303);
    for (let load = 0; load < 2; load += 1) {
      const page = await client.get('/auth/result', 'text/html');
      expect(page.status).toBe(400);
      const body = await page.text();
      expect(body).toContain('<h1 id="error-heading">Authorization declined</h1>');
      expect(body).toContain('data-error="access_denied"');
    }
  });
});

describe('the browser cookie (tts_browser) takes only values the service issued', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('issues a signed id, sets it back unchanged, and replaces one the client chose or altered', async () => {
    const client = new HttpClient(t.baseUrl);
    const issued = setCookie(await client.get('/auth/tiktok', 'text/html'), 'tts_browser') ?? '';
    expect(issued).toMatch(SIGNED);
    expect(setCookie(await client.get('/auth/tiktok', 'text/html'), 'tts_browser')).toBe(issued);

    const chosen = 'c'.repeat(43);
    const altered = `${'d'.repeat(43)}${issued.slice(43)}`;
    const truncated = issued.slice(0, 43);
    for (const value of [chosen, `${chosen}.${chosen}`, altered, truncated]) {
      client.setCookie('tts_browser', value);
      const set = setCookie(await client.get('/auth/tiktok', 'text/html'), 'tts_browser') ?? '';
      expect(set).toMatch(SIGNED);
      expect(set.slice(0, 43)).not.toBe(value.slice(0, 43));
      expect(set).not.toBe(issued);
    }
  });

  it('binds no state to a chosen value: a callback carrying it is invalid_state', async () => {
    const victim = new HttpClient(t.baseUrl);
    const { state } = await beginConsent(victim);
    const attacker = new HttpClient(t.baseUrl);
    // The unsigned id alone (what the cookie held before it was signed) is not the service's any more.
    attacker.setCookie('tts_browser', (victim.cookie('tts_browser') ?? '').slice(0, 43));
    const response = await attacker.get(callbackUrl({ code: await mintCode(attacker, UK_SELLER), state }), 'application/json');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toBe('invalid_state');
  });
});
