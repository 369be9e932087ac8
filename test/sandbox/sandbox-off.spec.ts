import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

describe('with real credentials the sandbox does not exist', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      TIKTOK_APP_KEY: 'real-app-key',
      TIKTOK_APP_SECRET: 'real-app-secret',
      TIKTOK_SERVICE_ID: '7123456789',
      // Unreachable on purpose: nothing in this test may call TikTok.
      TIKTOK_AUTH_BASE_URL: 'http://127.0.0.1:9',
      TIKTOK_API_BASE_URL: 'http://127.0.0.1:9',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['GET', '/sandbox/open/authorize?service_id=7123456789&state=x'],
    ['POST', '/sandbox/open/authorize'],
    ['GET', '/sandbox/api/v2/token/get?app_key=real-app-key'],
    ['GET', '/sandbox/api/v2/token/refresh'],
    ['GET', '/sandbox/authorization/202309/shops'],
    ['GET', '/sandbox/_control/stats'],
    ['POST', '/sandbox/_control/codes'],
  ])('%s %s is 404', async (method, path) => {
    const response = await new HttpClient(t.baseUrl).request(path, { method });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toBe('not_found');
  });

  it("sends the browser to TikTok's consent page with the service id, and shows no sandbox note", async () => {
    const client = new HttpClient(t.baseUrl);
    const response = await client.get('/auth/tiktok', 'text/html');
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://services.tiktokshop.com/open/authorize');
    expect(location.searchParams.get('service_id')).toBe('7123456789');
    expect(await (await client.get('/', 'text/html')).text()).not.toContain('Sandbox mode');
  });
});
