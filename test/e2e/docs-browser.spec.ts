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

  it('sends only what is typed from Try it out: no optional parameter, no optional body field', async () => {
    const page = await browser.newPage();
    const sent: { url: string; body: string | null }[] = [];
    page.on('request', (request) => {
      if (!request.url().includes('/docs')) sent.push({ url: request.url(), body: request.postData() });
    });
    await page.goto(`${t.baseUrl}/docs`);
    const tryOut = async (id: string, path: string) => {
      const block = page.locator(`#${id}`);
      await block.locator('.opblock-summary').first().click();
      await block.locator('.try-out__btn').click();
      await block.locator('.execute').click();
      await block.locator('.responses-wrapper .live-responses-table').waitFor({ timeout: 10_000 });
      return sent.filter(({ url }) => new URL(url).pathname === path);
    };
    // No key was given: both answer 401, and nothing is created.
    expect((await tryOut('operations-admin-AdminShopsController_list', '/admin/shops')).map(({ url }) => new URL(url).search)).toEqual([
      '',
    ]);
    const created = await tryOut('operations-admin-ApiKeysController_create', '/admin/api-keys');
    expect(created.map(({ body }) => JSON.parse(body ?? 'null') as unknown)).toEqual([{ name: 'orders-service' }]);
  });
});
