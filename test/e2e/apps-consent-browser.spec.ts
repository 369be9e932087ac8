import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { describeWithBrowser, launchBrowser } from '../support/browser';
import { sandboxStats, TWO_APPS, UK_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { storedTokens } from '../support/stored-tokens';
import { startTestApp, TestApp } from '../support/test-app';

describeWithBrowser('consent through the us app of a two-app deployment, in a real browser', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp(TWO_APPS);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it("goes home -> the us button -> us's consent page -> approve -> a result page naming us, the grant stored for us", async () => {
    const page = await browser.newPage();
    const answers: string[] = [];
    page.on('response', (response) => answers.push(`${response.status()} ${new URL(response.url()).pathname}`));

    await page.goto(`${t.baseUrl}/`);
    expect(await page.locator('#authorize-apps a.button').evaluateAll((links) => links.map((link) => link.textContent?.trim()))).toEqual([
      'Authorize with TikTok Shop (app global)',
      'Authorize with TikTok Shop (app us)',
    ]);
    await page.screenshot({ path: path.join(os.tmpdir(), 'tts-home-two-apps.png'), fullPage: true });
    await page.getByRole('link', { name: 'Authorize with TikTok Shop (app us)' }).click();
    await page.waitForURL(/\/sandbox\/open\/authorize\?/);
    expect(await page.locator('#app-id').textContent()).toBe('us');
    expect(await page.locator('#service-id').textContent()).toBe('sandbox-us-service-id');
    await page.getByLabel('Demo Seller UK').check();
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(`${t.baseUrl}/auth/result`);

    expect(await page.locator('#result').textContent()).toBe('Shops connected');
    expect(await page.locator('#app').textContent()).toBe('us');
    const rows = await page
      .locator('#shops tbody tr')
      .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? null)));
    expect(rows).toEqual([
      ['Demo Shop UK', '7000000000000001', 'GB', 'active'],
      ['Demo Shop UK Outlet', '7000000000000002', 'GB', 'active'],
    ]);
    await page.screenshot({ path: path.join(os.tmpdir(), 'tts-consent-us-app.png'), fullPage: true });
    // The us app's redirect URL took the callback.
    expect(answers).toEqual([
      '200 /',
      '302 /auth/tiktok',
      '200 /sandbox/open/authorize',
      '302 /sandbox/open/authorize',
      '303 /auth/callback/us',
      '200 /auth/result',
    ]);

    // Stored for us, with the pair the emulator issued to us; global granted nothing.
    const authorizations = await query<{ id: string; app_key: string; open_id: string }>(
      t.db.url,
      'SELECT id, app_key, open_id FROM seller_authorizations',
    );
    expect(authorizations.map((row) => [row.open_id, row.app_key])).toEqual([[UK_SELLER, 'sandbox-us-app-key']]);
    const stats = await sandboxStats(new HttpClient(t.baseUrl));
    const issued = stats.current_by_app.us[UK_SELLER];
    expect(await storedTokens(t.app).readTokens(authorizations[0].id)).toEqual({
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
    });
    expect(stats.current_by_app.global[UK_SELLER]).toBeUndefined();
    const content = await page.content();
    for (const secret of [...stats.issued.access_tokens, ...stats.issued.refresh_tokens, ...stats.issued.codes]) {
      expect(content).not.toContain(secret);
    }

    // The home page lists the seller with its app.
    await page.goto(`${t.baseUrl}/`);
    expect(await page.locator('#connected section.seller h3').textContent()).toBe('Demo Seller UK active app us');
    await page.close();
  });
});
