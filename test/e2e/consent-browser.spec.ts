import { execFile } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { describeWithBrowser, launchBrowser } from '../support/browser';
import { sandboxStats, UK_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

const run = promisify(execFile);

/** Every answer the page received (documents, icons), as `status url`. */
function recordAnswers(page: Page): string[] {
  const answers: string[] = [];
  page.on('response', (response) => answers.push(`${response.status()} ${new URL(response.url()).pathname}`));
  return answers;
}

async function shopRows(page: Page): Promise<(string | null)[][]> {
  return page
    .locator('#shops tbody tr')
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? null)));
}

function screenshot(name: string): string {
  return path.join(os.tmpdir(), `tts-${name}.png`);
}

describeWithBrowser('consent flow in a real browser', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  beforeEach(async () => {
    await query(t.db.url, 'TRUNCATE seller_authorizations, shops, oauth_states, authorization_events CASCADE');
  });

  /** Home -> Authorize -> the emulator's consent page -> `decision` for the UK demo seller. */
  async function consentIn(page: Page, decision: 'Approve' | 'Deny'): Promise<void> {
    await page.goto(`${t.baseUrl}/`);
    await page.getByRole('link', { name: 'Authorize with TikTok Shop' }).click();
    await page.waitForURL(/\/sandbox\/open\/authorize\?/);
    if (decision === 'Approve') await page.getByLabel('Demo Seller UK').check();
    await page.getByRole('button', { name: decision }).click();
    await page.waitForURL(`${t.baseUrl}/auth/result`);
  }

  it('goes home -> consent -> approve -> a result page that survives a reload and holds no code or state', async () => {
    const page = await browser.newPage();
    const answers = recordAnswers(page);
    await page.goto(`${t.baseUrl}/`);
    expect(await page.locator('#sandbox-note').textContent()).toContain('Sandbox mode');
    await consentIn(page, 'Approve');

    expect(page.url()).toBe(`${t.baseUrl}/auth/result`);
    const expectedRows = [
      ['Demo Shop UK', '7000000000000001', 'GB', 'active'],
      ['Demo Shop UK Outlet', '7000000000000002', 'GB', 'active'],
    ];
    expect(await page.locator('#result').textContent()).toBe('Shops connected');
    expect(await shopRows(page)).toEqual(expectedRows);
    await page.screenshot({ path: screenshot('consent-success'), fullPage: true });

    const reload = await page.reload();
    expect(reload?.status()).toBe(200);
    expect(await page.locator('#result').textContent()).toBe('Shops connected');
    expect(await shopRows(page)).toEqual(expectedRows);
    expect(await page.locator('[data-error]').count()).toBe(0);

    const [stored] = await query<{ n: number }>(t.db.url, "SELECT count(*)::int AS n FROM shops WHERE status = 'active'");
    expect(stored.n).toBe(2);
    // The page holds no token: compare with every token the emulator issued.
    const stats = await sandboxStats(new HttpClient(t.baseUrl));
    const content = await page.content();
    for (const secret of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens, ...stats.issued.codes, t.adminKey]) {
      expect(content).not.toContain(secret);
    }
    // The callback was only passed through, and nothing along the way was a 404. (Headless Chromium asks for
    // no icon; the last test fetches the one every page links.)
    expect(answers).toEqual([
      '200 /',
      '200 /',
      '302 /auth/tiktok',
      '200 /sandbox/open/authorize',
      '302 /sandbox/open/authorize',
      '303 /auth/callback',
      '200 /auth/result',
      '200 /auth/result',
    ]);
    await page.close();
  });

  it('shows a next step whose commands, pasted from the page, create a key and fetch this shop token', async () => {
    const page = await browser.newPage();
    await consentIn(page, 'Approve');
    expect(await page.locator('#next-steps h2').textContent()).toBe('What next');
    const commands = (await page.locator('#curl').textContent()) ?? '';
    expect(commands).toContain('/admin/api-keys');
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', commands], {
      env: { ...process.env, ADMIN_API_KEY: t.adminKey },
      timeout: 20_000,
    });
    const answer = JSON.parse(stdout) as { shop_id: string; access_token: string };
    const stats = await sandboxStats(new HttpClient(t.baseUrl));
    expect(answer).toMatchObject({ shop_id: '7000000000000001', access_token: stats.current[UK_SELLER].access_token });
    await page.close();
  });

  it('shows "Authorization declined" when the seller clicks Deny, also after a reload', async () => {
    const page = await browser.newPage();
    await consentIn(page, 'Deny');
    for (const load of ['first', 'reload']) {
      if (load === 'reload') expect((await page.reload())?.status()).toBe(400);
      expect(await page.locator('h1').textContent()).toBe('Authorization declined');
      expect(await page.locator('[data-error]').getAttribute('data-error')).toBe('access_denied');
    }
    await page.screenshot({ path: screenshot('consent-denied'), fullPage: true });
    await page.close();
  });

  it('lists the connected sellers and shops with their status on the home page', async () => {
    const page = await browser.newPage();
    await consentIn(page, 'Approve');
    await query(t.db.url, "UPDATE shops SET status = 'deauthorized' WHERE id = '7000000000000002'");
    await page.goto(`${t.baseUrl}/`);
    const seller = page.locator('#connected section.seller');
    expect(await seller.count()).toBe(1);
    expect(await seller.locator('h3').textContent()).toBe('Demo Seller UK active');
    const rows = await seller
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? null)));
    expect(rows).toEqual([
      ['Demo Shop UK', '7000000000000001', 'GB', 'active'],
      ['Demo Shop UK Outlet', '7000000000000002', 'GB', 'deauthorized'],
    ]);
    const stats = await sandboxStats(new HttpClient(t.baseUrl));
    const content = await page.content();
    for (const token of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens]) expect(content).not.toContain(token);
    await page.screenshot({ path: screenshot('home'), fullPage: true });
    await page.close();
  });

  it('heads a 404 "Page not found", and serves the icon every page links', async () => {
    const page = await browser.newPage();
    const response = await page.goto(`${t.baseUrl}/no/such/page`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    expect(await page.locator('link[rel="icon"]').getAttribute('href')).toBe('/favicon.ico');
    await page.screenshot({ path: screenshot('not-found'), fullPage: true });
    const icon = await page.goto(`${t.baseUrl}/favicon.ico`);
    expect([icon?.status(), icon?.headers()['content-type']]).toEqual([200, 'image/x-icon']);
    await page.close();
  });
});
