import type { Browser } from 'playwright-core';
import { describeWithBrowser, launchBrowser } from '../support/browser';
import { startTestApp, TestApp } from '../support/test-app';

describeWithBrowser('Swagger UI in a real browser', () => {
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
