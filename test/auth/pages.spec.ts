import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { query } from '../support/database';
import { beginConsent, callbackUrl, consent, mintCode, sandboxStats, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { recordSecrets } from '../support/secrets';
import { sharedSecrets, startTestApp, TestApp } from '../support/test-app';

const run = promisify(execFile);

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'" };

/** The text of the page's `<pre id="curl">` block, as a browser shows it. */
function commandsOf(page: string): string {
  const match = /<pre id="curl"><code>([\s\S]*?)<\/code><\/pre>/.exec(page);
  if (!match) throw new Error('the page shows no commands');
  return match[1].replace(/&(amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity]);
}

/** A browser's consent for `openId`, then its result page. */
async function resultPage(client: HttpClient, openId: string): Promise<string> {
  const { state } = await beginConsent(client);
  const callback = await client.get(callbackUrl({ code: await mintCode(client, openId), state }), 'text/html');
  expect(callback.status).toBe(303);
  const page = await client.get('/auth/result', 'text/html');
  expect(page.status).toBe(200);
  return page.text();
}

/** Runs pasted commands in bash, as a developer would; their last line's output is the token answer. */
async function paste(commands: string, env: NodeJS.ProcessEnv = {}): Promise<Record<string, unknown>> {
  const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', commands], { env: { ...process.env, ...env }, timeout: 20_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('pages outside production', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the connected sellers and their shops with status on the home page, never a token', async () => {
    const client = new HttpClient(t.baseUrl);
    expect(await (await client.get('/', 'text/html')).text()).toContain('No seller has connected yet.');
    await consent(client, UK_SELLER);
    await consent(client, US_SELLER);
    await query(t.db.url, "UPDATE shops SET status = 'deauthorized' WHERE id = '7000000000000002'");
    await query(t.db.url, "UPDATE seller_authorizations SET status = 'reauthorization_required' WHERE open_id = $1", [US_SELLER]);

    const page = await (await client.get('/', 'text/html')).text();
    expect(page).toContain('<h2>Connected sellers</h2>');
    const sellers = [...page.matchAll(/<h3>([^<]+?) <span class="badge[^"]*" data-status="([a-z_]+)"/g)].map((match) => [
      match[1],
      match[2],
    ]);
    // Newest first.
    expect(sellers).toEqual([
      ['Demo Seller US', 'reauthorization_required'],
      ['Demo Seller UK', 'active'],
    ]);
    const shops = [...page.matchAll(/<tr data-shop-id="(\d+)">[\s\S]*?data-status="([a-z_]+)"/g)].map((match) => [match[1], match[2]]);
    expect(shops).toEqual(
      expect.arrayContaining([
        ['7000000000000001', 'active'],
        ['7000000000000002', 'deauthorized'],
        ['7000000000000101', 'reauthorization_required'],
      ]),
    );
    const stats = await sandboxStats(client);
    for (const secret of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens, ...stats.issued.codes, t.adminKey]) {
      expect(page).not.toContain(secret);
    }
  });

  it('shows the next step after a consent: commands that create a key and fetch this shop token, which work as pasted', async () => {
    const client = new HttpClient(t.baseUrl);
    const page = await resultPage(client, UK_SELLER);
    expect(page).toContain('<h2>What next</h2>');
    expect(page).toContain('The admin key is the <code>ADMIN_API_KEY</code> this service was started with');
    expect(page).not.toContain(t.adminKey);
    const answer = await paste(commandsOf(page), { ADMIN_API_KEY: t.adminKey });
    expect(answer).toMatchObject({
      shop_id: '7000000000000001',
      access_token: (await sandboxStats(client)).current[UK_SELLER].access_token,
    });
  });

  it('answers HTML 404s under a heading that says so', async () => {
    const response = await new HttpClient(t.baseUrl).get('/no/such/page', 'text/html');
    expect(response.status).toBe(404);
    const page = await response.text();
    expect(page).toContain('<h1 id="error-heading">Page not found</h1>');
    expect(page).toContain('data-error="not_found"');
    expect(page).not.toContain('Authorization did not complete');
  });

  it('serves /favicon.ico, cacheable, with the security headers', async () => {
    const response = await fetch(`${t.baseUrl}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/x-icon');
    expect(response.headers.get('cache-control')).toBe('public, max-age=86400');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    const bytes = Buffer.from(await response.arrayBuffer());
    // ICONDIR: reserved 0, type 1 (icon), one image; the image is a PNG.
    expect([...bytes.subarray(0, 6)]).toEqual([0, 0, 1, 0, 1, 0]);
    expect(bytes.subarray(22, 26).toString('latin1')).toBe('\x89PNG');
  });
});

describe('the next step with a generated development admin key', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_API_KEY: undefined });
  });
  afterAll(async () => {
    await t.close();
  });

  it('names the file that holds the admin key, and the commands read it from there', async () => {
    const page = await resultPage(new HttpClient(t.baseUrl), UK_SELLER);
    const file = /<code id="admin-key-file">([^<]+)<\/code>/.exec(page)?.[1] ?? '';
    expect(file).toBe(`${t.config.dataDir}/development-admin-api-key`);
    const adminKey = fs.readFileSync(file, 'utf8').trim();
    recordSecrets([adminKey]);
    expect(adminKey.length).toBeGreaterThanOrEqual(32);
    expect(page).not.toContain(adminKey);
    const answer = await paste(commandsOf(page), { ADMIN_API_KEY: '' });
    expect(answer).toMatchObject({ shop_id: '7000000000000001', access_token: expect.any(String) });
  });
});

describe('pages in production', () => {
  let development: TestApp;
  let production: TestApp;

  beforeAll(async () => {
    const secrets = sharedSecrets();
    development = await startTestApp(secrets);
    await consent(new HttpClient(development.baseUrl), UK_SELLER);
    production = await startTestApp(
      {
        ...secrets,
        NODE_ENV: 'production',
        // The app the development instance's seller authorized: start-up refuses authorizations of an app not configured.
        TIKTOK_APP_KEY: 'sandbox-app-key',
        TIKTOK_APP_SECRET: 'real-app-secret',
        TIKTOK_SERVICE_ID: '7123456789',
        // Unreachable on purpose: nothing in this test may call TikTok.
        TIKTOK_AUTH_BASE_URL: 'http://127.0.0.1:9',
        TIKTOK_API_BASE_URL: 'http://127.0.0.1:9',
      },
      development.db,
    );
  });
  afterAll(async () => {
    await production?.close();
    await development?.close();
  });

  it('keeps who is connected off the home page, which says consent starts from a connect link (no anonymous consent by default)', async () => {
    const page = await (await new HttpClient(production.baseUrl).get('/', 'text/html')).text();
    expect(page).toContain('id="connect-link-note"');
    expect(page).not.toContain('href="/auth/tiktok"');
    expect(page).not.toContain('id="demo-connect"');
    expect(page).not.toContain('Connected sellers');
    expect(page).not.toContain('Demo Seller UK');
    expect(page).not.toContain('7000000000000001');
  });
});
