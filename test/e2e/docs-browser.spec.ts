import fs from 'node:fs';
import { Browser, chromium } from 'playwright-core';
import { startTestApp, TestApp } from '../support/test-app';

/** Debian's chromium; CHROMIUM_PATH overrides. Never a downloaded browser (see consent-browser.spec.ts). */
const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (candidate): candidate is string => !!candidate && fs.existsSync(candidate),
);
if (!executablePath && process.env.CI) throw new Error('CI=true but no Chromium found');
const describeBrowser = executablePath ? describe : describe.skip;

describeBrowser('Swagger UI in a real browser', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    t = await startTestApp();
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders every operation with no Content-Security-Policy violation', async () => {
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${t.baseUrl}/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 10_000 });
    const document = (await (await fetch(`${t.baseUrl}/docs-json`)).json()) as { paths: Record<string, object> };
    const operations = Object.values(document.paths).reduce((count, item) => count + Object.keys(item).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    expect(problems).toEqual([]);
  });
});
