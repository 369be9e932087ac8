import { AppRequiredError, ShopNotFoundError, TokenClient, TokenServiceError, UnknownAppError } from '../../packages/client/src/index.ts';
import { consent, sandboxStats, TWO_APPS, UK_SELLER, US_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey } from '../support/tokens';
import { forgetRecentRefreshes, RecordedCall, recordingFetch, UK_SHOP, US_SHOP } from './client-helpers';

/** The client against a service with two apps (`global` first, `us`), the UK seller granted to both. */
describe('TokenClient with a shop id granted to two apps', () => {
  let t: TestApp;
  let browser: HttpClient;
  let apiKey: string;

  function client(): { client: TokenClient; calls: RecordedCall[] } {
    const recorder = recordingFetch();
    return { client: new TokenClient({ baseUrl: t.baseUrl, apiKey, fetch: recorder.fetch, retryBaseDelayMs: 20 }), calls: recorder.calls };
  }

  async function rejection(promise: Promise<unknown>): Promise<unknown> {
    return promise.then(
      () => undefined,
      (reason: unknown) => reason,
    );
  }

  beforeAll(async () => {
    t = await startTestApp(TWO_APPS);
    browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER, 'us')).status).toBe(200);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    expect((await consent(browser, US_SELLER)).status).toBe(200);
    apiKey = await createServiceKey(t.baseUrl, t.adminKey, 'client library');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('throws AppRequiredError, listing the apps, when no app is named; never retried', async () => {
    const { client: tokens, calls } = client();
    const error = await rejection(tokens.getToken(UK_SHOP));
    expect(error).toBeInstanceOf(AppRequiredError);
    expect(error).toBeInstanceOf(TokenServiceError);
    expect(error).toMatchObject({ name: 'AppRequiredError', status: 400, code: 'app_required', shopId: UK_SHOP, apps: ['global', 'us'] });
    expect(await rejection(tokens.invalidate(UK_SHOP))).toBeInstanceOf(AppRequiredError);
    expect(calls.map((call) => `${call.method} ${call.status}`)).toEqual(['GET 400', 'POST 400']);
  });

  it("gets each app's own token with { app }, cached apart, and ShopToken.app names it", async () => {
    const { client: tokens, calls } = client();
    const stats = await sandboxStats(browser);
    const us = await tokens.getToken(UK_SHOP, { app: 'us' });
    const global = await tokens.getToken(UK_SHOP, { app: 'global', minTtl: 60 });
    expect(us).toMatchObject({ app: 'us', accessToken: stats.current_by_app.us[UK_SELLER].access_token });
    expect(global).toMatchObject({ app: 'global', accessToken: stats.current_by_app.global[UK_SELLER].access_token });
    expect(us.accessToken).not.toBe(global.accessToken);
    // From memory now, each its own.
    expect((await tokens.getToken(UK_SHOP, { app: 'us' })).accessToken).toBe(us.accessToken);
    expect((await tokens.getToken(UK_SHOP, { app: 'global' })).accessToken).toBe(global.accessToken);
    expect(calls).toHaveLength(2);
    // A shop id only one app holds needs no app.
    expect(await tokens.getToken(US_SHOP)).toMatchObject({ app: 'global' });
    expect(await rejection(tokens.getToken(US_SHOP, { app: 'us' }))).toBeInstanceOf(ShopNotFoundError);
  });

  it("invalidate({ app }) refreshes that app's token only; withToken takes the app too", async () => {
    await forgetRecentRefreshes(t);
    const { client: tokens, calls } = client();
    const global = await tokens.getToken(UK_SHOP, { app: 'global' });
    const oldUs = await tokens.getToken(UK_SHOP, { app: 'us' });
    const renewed = await tokens.invalidate(UK_SHOP, { app: 'us' });
    expect(renewed.app).toBe('us');
    expect(renewed.accessToken).not.toBe(oldUs.accessToken);
    expect(renewed.accessToken).toBe((await sandboxStats(browser)).current_by_app.us[UK_SELLER].access_token);
    expect((await tokens.getToken(UK_SHOP, { app: 'global' })).accessToken).toBe(global.accessToken);
    expect(calls.map((call) => call.method)).toEqual(['GET', 'GET', 'POST']);
    const seen = await tokens.withToken(UK_SHOP, (token) => `${token.app}:${token.accessToken}`, { app: 'us' });
    expect(seen).toBe(`us:${renewed.accessToken}`);
  });

  it('throws UnknownAppError for an app the service does not configure, TypeError for a malformed one', async () => {
    const { client: tokens, calls } = client();
    const error = await rejection(tokens.getToken(UK_SHOP, { app: 'nope' }));
    expect(error).toBeInstanceOf(UnknownAppError);
    expect(error).toMatchObject({ name: 'UnknownAppError', status: 400, code: 'unknown_app' });
    expect(calls).toHaveLength(1);
    for (const app of ['US', 'us app', '', 'x'.repeat(33), 42]) {
      await expect(tokens.getToken(UK_SHOP, { app } as { app: string })).rejects.toBeInstanceOf(TypeError);
      await expect(tokens.invalidate(UK_SHOP, { app } as { app: string })).rejects.toBeInstanceOf(TypeError);
    }
    expect(calls).toHaveLength(1);
  });
});
