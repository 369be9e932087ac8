import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { TokenClient } from '../../packages/client/src/index.ts';
import { freePort } from '../../src/database/embedded-postgres';
import { describeWithBrowser, launchBrowser } from '../support/browser';
import { createTenant, tenantKey } from '../support/connect';
import { query } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

function screenshot(name: string): string {
  return path.join(os.tmpdir(), `tts-${name}.png`);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A product that runs the service for its merchants, on 127.0.0.1: a settings page with a "Connect your
 * TikTok Shop" button (a plain form), whose backend creates a connect session with the client package and
 * sends the browser to it; the page shows what the return redirect brought back.
 */
async function startProduct(port: number, connect: () => Promise<string>): Promise<{ origin: string; close: () => Promise<void> }> {
  const origin = `http://127.0.0.1:${port}`;
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', origin);
    if (request.method === 'POST' && url.pathname === '/settings/tiktok/connect') {
      connect().then(
        (link) => response.writeHead(303, { location: link }).end(),
        (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(String(error)),
      );
      return;
    }
    if (request.method === 'GET' && url.pathname === '/settings/tiktok') {
      const shown = ['status', 'open_id', 'shop_ids', 'error', 'connect_session_id', 'tab']
        .map((name) => `<dd id="${name}">${escapeHtml(url.searchParams.get(name) ?? '')}</dd>`)
        .join('');
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(`<!doctype html><html><head><title>Acme settings</title></head>
        <body><h1>Acme: sales channels</h1>
        <form method="post" action="/settings/tiktok/connect"><button type="submit">Connect your TikTok Shop</button></form>
        <dl>${shown}</dl></body></html>`);
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describeWithBrowser('the tenant flow in a real browser', () => {
  let t: TestApp;
  let browser: Browser;
  let product: Awaited<ReturnType<typeof startProduct>>;

  beforeAll(async () => {
    const productPort = await freePort();
    const productOrigin = `http://127.0.0.1:${productPort}`;
    t = await startTestApp({ CONNECT_RETURN_ORIGINS: productOrigin });
    await createTenant(t, 'acme-merchant-42');
    const { key } = await tenantKey(t, ['acme-merchant-42']);
    const client = new TokenClient({ baseUrl: t.baseUrl, apiKey: key });
    product = await startProduct(productPort, async () => {
      const session = await client.createConnectSession('acme-merchant-42', { returnUrl: `${productOrigin}/settings/tiktok?tab=channels` });
      return session.url;
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await product?.close();
    await t?.close();
  });

  beforeEach(async () => {
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events CASCADE');
  });

  /** Every document the page loaded, as `status origin-or-service path`; `links`: the connect links it followed. */
  function recordAnswers(page: Page): { answers: string[]; links: string[] } {
    const answers: string[] = [];
    const links: string[] = [];
    page.on('response', (response) => {
      if (response.request().resourceType() !== 'document') return;
      const url = new URL(response.url());
      if (url.pathname.startsWith('/connect/')) links.push(url.toString());
      const where = url.origin === product.origin ? 'product' : url.origin === t.baseUrl ? 'service' : url.origin;
      answers.push(`${response.status()} ${where} ${url.pathname.replace(/^\/connect\/.+$/, '/connect/{token}')}`);
    });
    return { answers, links };
  }

  it('goes product page -> connect link -> sandbox consent -> back on the product page with status=success and shop_ids', async () => {
    const page = await browser.newPage();
    const { answers, links } = recordAnswers(page);
    await page.goto(`${product.origin}/settings/tiktok`);
    await page.getByRole('button', { name: 'Connect your TikTok Shop' }).click();
    await page.waitForURL(/\/sandbox\/open\/authorize\?/);
    await page.getByLabel('Demo Seller UK').check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${product.origin}/settings/tiktok?**`);

    expect(await page.locator('#status').textContent()).toBe('success');
    expect(await page.locator('#shop_ids').textContent()).toBe('7000000000000001,7000000000000002');
    expect(await page.locator('#open_id').textContent()).toBe('sbx-open-uk-001');
    expect(await page.locator('#tab').textContent()).toBe('channels');
    await page.screenshot({ path: screenshot('connect-back-on-product'), fullPage: true });
    const sessionId = (await page.locator('#connect_session_id').textContent()) ?? '';
    const [session] = await query<{ status: string; tenant_id: string }>(
      t.db.url,
      'SELECT s.status, a.tenant_id FROM connect_sessions s JOIN seller_authorizations a ON a.id = s.authorization_id WHERE s.id = $1',
      [sessionId],
    );
    expect(session).toEqual({ status: 'completed', tenant_id: 'acme-merchant-42' });
    expect(answers).toEqual([
      '200 product /settings/tiktok',
      '303 product /settings/tiktok/connect',
      '302 service /connect/{token}',
      '200 service /sandbox/open/authorize',
      '302 service /sandbox/open/authorize',
      '302 service /auth/callback',
      '200 product /settings/tiktok',
    ]);

    // The link is spent: opening it again is an error page, not a consent.
    const used = await page.goto(links[0]);
    expect(used?.status()).toBe(400);
    expect(await page.locator('h1').textContent()).toBe('This connect link has expired or was already used');
    await page.close();
  });

  it('comes back with status=error&error=access_denied when the seller denies', async () => {
    const page = await browser.newPage();
    await page.goto(`${product.origin}/settings/tiktok`);
    await page.getByRole('button', { name: 'Connect your TikTok Shop' }).click();
    await page.waitForURL(/\/sandbox\/open\/authorize\?/);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(`${product.origin}/settings/tiktok?**`);
    expect(await page.locator('#status').textContent()).toBe('error');
    expect(await page.locator('#error').textContent()).toBe('access_denied');
    expect(await page.locator('#shop_ids').textContent()).toBe('');
    await page.close();
  });

  it("shows the sandbox demo tenant's connect link on the home page, which ends on the result page", async () => {
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/`);
    await page.screenshot({ path: screenshot('home-with-demo-link'), fullPage: true });
    await page.getByRole('link', { name: "Try a tenant's connect link" }).click();
    await page.waitForURL(/\/sandbox\/open\/authorize\?/);
    await page.getByLabel('Demo Seller US').check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${t.baseUrl}/auth/result`);
    expect(await page.locator('#result').textContent()).toBe('Shops connected');
    const [row] = await query<{ tenant_id: string }>(
      t.db.url,
      "SELECT tenant_id FROM seller_authorizations WHERE open_id = 'sbx-open-us-001'",
    );
    expect(row.tenant_id).toBe('demo');
    await page.screenshot({ path: screenshot('connect-demo-result'), fullPage: true });
    await page.close();
  });
});
