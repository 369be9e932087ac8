import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { describeWithBrowser, launchBrowser } from '../support/browser';
import { query } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

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

  it('goes home -> consent -> approve -> success page listing the shops', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/`);
    expect(await page.locator('#sandbox-note').textContent()).toContain('Sandbox mode');
    await page.getByRole('link', { name: 'Authorize with TikTok Shop' }).click();

    await page.waitForURL(/\/sandbox\/open\/authorize\?/);
    await page.getByLabel('Demo Seller UK').check();
    await page.getByRole('button', { name: 'Approve' }).click();

    await page.waitForURL(/\/auth\/callback\?/);
    expect(await page.locator('#result').textContent()).toBe('Shops connected');
    const rows = await page
      .locator('#shops tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)));
    expect(rows).toEqual([
      ['Demo Shop UK', '7000000000000001', 'GB'],
      ['Demo Shop UK Outlet', '7000000000000002', 'GB'],
    ]);
    const [stored] = await query<{ n: number }>(t.db.url, "SELECT count(*)::int AS n FROM shops WHERE status = 'active'");
    expect(stored.n).toBe(2);
    // The page holds no token: compare with every token the emulator issued.
    const stats = (await (
      await fetch(`${t.baseUrl}/sandbox/_control/stats`, { headers: { authorization: `Bearer ${t.adminKey}` } })
    ).json()) as {
      issued: { access_tokens: string[]; refresh_tokens: string[] };
    };
    const content = await page.content();
    for (const token of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens]) expect(content).not.toContain(token);
    await page.screenshot({ path: path.join(os.tmpdir(), 'tts-consent-success.png') });
    await page.close();
  });

  it('shows an access_denied page when the seller clicks Deny', async () => {
    const page = await browser.newPage();
    await page.goto(`${t.baseUrl}/`);
    await page.getByRole('link', { name: 'Authorize with TikTok Shop' }).click();
    await page.waitForURL(/\/sandbox\/open\/authorize\?/);
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(/\/auth\/callback\?/);
    expect(await page.locator('[data-error]').getAttribute('data-error')).toBe('access_denied');
    await page.close();
  });
});
