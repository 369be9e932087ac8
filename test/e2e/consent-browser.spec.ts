import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { query } from '../support/database';
import { startTestApp, TestApp } from '../support/test-app';

/** Debian's chromium (installed by .ci/run); CHROMIUM_PATH overrides. Never a downloaded browser. */
function chromiumPath(): string | undefined {
  return [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
    (candidate): candidate is string => !!candidate && fs.existsSync(candidate),
  );
}

const executablePath = chromiumPath();
// On a laptop without Chromium the browser test is skipped with a notice; in CI it must run.
if (!executablePath && process.env.CI) throw new Error('CI=true but no Chromium found: .ci/run installs Debian\'s chromium');
const describeBrowser = executablePath ? describe : describe.skip;
if (!executablePath) console.warn('browser test skipped: install Chromium (apt-get install chromium) or set CHROMIUM_PATH');

describeBrowser('consent flow in a real browser', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
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
    const rows = await page.locator('#shops tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)),
    );
    expect(rows).toEqual([
      ['Demo Shop UK', '7000000000000001', 'GB'],
      ['Demo Shop UK Outlet', '7000000000000002', 'GB'],
    ]);
    const [stored] = await query<{ n: number }>(t.db.url, "SELECT count(*)::int AS n FROM shops WHERE status = 'active'");
    expect(stored.n).toBe(2);
    // The page holds no token: compare with every token the emulator issued.
    const stats = (await (await fetch(`${t.baseUrl}/sandbox/_control/stats`)).json()) as { issued: { access_tokens: string[]; refresh_tokens: string[] } };
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
