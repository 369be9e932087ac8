import { Logger } from '@nestjs/common';
import { TiktokAppHealth } from '../../src/common/app-health/tiktok-app-health';
import type { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import type { TiktokApp } from '../../src/config/tiktok-apps';
import { startSandboxServer, SandboxServer } from '../../src/sandbox/standalone';
import { TiktokClient } from '../../src/tiktok/tiktok.client';
import { TiktokError } from '../../src/tiktok/tiktok.errors';
import { UK_SELLER } from '../support/consent';

const CREDENTIALS = { appKey: 'client-test-key', appSecret: 'client-test-secret', serviceId: 'client-test-service' };

async function control(server: SandboxServer, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}/_control/${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.adminKey}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

/** A client of the configuration's one app, with its own record of that app's health. */
function clientOf(config: AppConfig): { client: TiktokClient; app: TiktokApp; health: TiktokAppHealth } {
  const health = new TiktokAppHealth(config);
  return { client: new TiktokClient(config, health), app: config.tiktok.apps[0], health };
}

async function failure(promise: Promise<unknown>): Promise<TiktokError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TiktokError) return error;
    throw error;
  }
  throw new Error('expected a TiktokError');
}

describe('TiktokClient against the sandbox over HTTP', () => {
  let server: SandboxServer;
  let client: TiktokClient;
  let app: TiktokApp;
  const warnings: string[] = [];

  beforeAll(async () => {
    server = await startSandboxServer({
      apps: [{ id: 'default', ...CREDENTIALS, redirectUrl: 'http://127.0.0.1:9/auth/callback' }],
      accessTokenTtlSeconds: 3600,
      refreshTokenTtlSeconds: 86400,
    });
    const config = loadConfig({
      TIKTOK_APP_KEY: CREDENTIALS.appKey,
      TIKTOK_APP_SECRET: CREDENTIALS.appSecret,
      TIKTOK_SERVICE_ID: CREDENTIALS.serviceId,
      TIKTOK_AUTH_BASE_URL: server.url,
      TIKTOK_API_BASE_URL: server.url,
      TIKTOK_HTTP_TIMEOUT_MS: '300',
    });
    ({ client, app } = clientOf(config));
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => {
      warnings.push(String(message));
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    await server.close();
  });
  afterEach(async () => {
    await fetch(`${server.url}/_control/faults`, { method: 'DELETE', headers: { authorization: `Bearer ${server.adminKey}` } });
  });

  async function grant() {
    const { code } = (await control(server, 'codes', { open_id: UK_SELLER })) as { code: string };
    return client.exchangeCode(app, code);
  }

  it('builds the consent URL with the service id, not the app key', () => {
    const url = new URL(client.authorizeUrl(app, ' abc '));
    expect(url.searchParams.get('service_id')).toBe(CREDENTIALS.serviceId);
    expect(url.searchParams.get('state')).toBe('abc');
    expect(url.search).not.toContain(CREDENTIALS.appKey);
  });

  it('exchanges a code, lists shops with a signed request, and refreshes with rotation', async () => {
    const first = await grant();
    expect(first.openId).toBe(UK_SELLER);
    expect(first.accessTokenExpiresAt.getTime()).toBeGreaterThan(Date.now() + 3500 * 1000);
    const shops = await client.authorizedShops(app, first.accessToken);
    expect(shops.map((shop) => shop.id)).toEqual(['7000000000000001', '7000000000000002']);

    const second = await client.refresh(app, first.refreshToken);
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    // Refreshing does not extend the authorization.
    expect(second.refreshTokenExpiresAt.getTime()).toBe(first.refreshTokenExpiresAt.getTime());
    // The old refresh token is gone: only a new consent helps.
    const reused = await failure(client.refresh(app, first.refreshToken));
    expect(reused).toMatchObject({ step: 'token_refresh', reason: 'authorization_revoked', tiktokCode: 36004005, transient: false });
    expect(reused.requiresReauthorization).toBe(true);
  });

  it('classifies a revoked authorization and an expired refresh token as permanent', async () => {
    const tokens = await grant();
    await control(server, `authorizations/${UK_SELLER}/revoke`, {});
    expect(await failure(client.refresh(app, tokens.refreshToken))).toMatchObject({ reason: 'authorization_revoked', transient: false });
    expect(await failure(client.authorizedShops(app, tokens.accessToken))).toMatchObject({
      reason: 'authorization_revoked',
      tiktokCode: 105001,
    });

    const expiring = await grant();
    await control(server, 'config', { clock_offset_seconds: 2 * 86400 });
    try {
      expect(await failure(client.refresh(app, expiring.refreshToken))).toMatchObject({
        tiktokCode: 36004001,
        reason: 'authorization_revoked',
      });
    } finally {
      await control(server, 'config', { clock_offset_seconds: 0 });
    }
  });

  const transient: [string, Record<string, unknown>, string][] = [
    ['HTTP 500', { type: 'http_500' }, 'server_error'],
    ['HTTP 503', { type: 'http_503' }, 'server_error'],
    ['rate limiting', { type: 'rate_limit' }, 'rate_limited'],
    ['a timeout', { type: 'timeout', delay_ms: 1000 }, 'timeout'],
    ['an HTML error page', { type: 'html' }, 'server_error'],
    ['malformed JSON', { type: 'bad_json' }, 'invalid_response'],
    ['TikTok internal error 36009003', { type: 'error_code', code: 36009003 }, 'server_error'],
    ['TikTok timeout 36009007', { type: 'error_code', code: 36009007 }, 'server_error'],
    ['a missing expiry', { type: 'missing_expiry' }, 'invalid_response'],
    ['an expiry in the past', { type: 'past_expiry' }, 'invalid_response'],
  ];

  it.each(transient)('classifies %s on refresh as transient (%s) and leaves the refresh token usable', async (_label, fault, reason) => {
    const tokens = await grant();
    await control(server, 'faults', { endpoint: 'token_refresh', count: 1, ...fault });
    const error = await failure(client.refresh(app, tokens.refreshToken));
    expect(error).toMatchObject({ step: 'token_refresh', reason, transient: true });
    expect(error.requiresReauthorization).toBe(false);
    await expect(client.refresh(app, tokens.refreshToken)).resolves.toMatchObject({ openId: UK_SELLER });
  });

  it("reports a bad signature or refused app credentials (wrong secret) as the app's transient failure, not a re-consent", async () => {
    const tokens = await grant();
    const wrong = clientOf(
      loadConfig({
        TIKTOK_APP_KEY: CREDENTIALS.appKey,
        TIKTOK_APP_SECRET: 'not-the-secret',
        TIKTOK_SERVICE_ID: CREDENTIALS.serviceId,
        TIKTOK_AUTH_BASE_URL: server.url,
        TIKTOK_API_BASE_URL: server.url,
      }),
    );
    const badSign = await failure(wrong.client.authorizedShops(wrong.app, tokens.accessToken));
    expect(badSign).toMatchObject({ reason: 'app_credentials_rejected', tiktokCode: 106001, httpStatus: 401, transient: true });
    expect(badSign.requiresReauthorization).toBe(false);
    expect(wrong.health.view()).toEqual({ default: expect.objectContaining({ status: 'failing', last_error_code: 106001 }) });
    // Token endpoints: 36009004 "app_key or app_secret is invalid".
    const refused = await failure(wrong.client.refresh(wrong.app, tokens.refreshToken));
    expect(refused).toMatchObject({ reason: 'app_credentials_rejected', tiktokCode: 36009004, transient: true });
    expect(refused.requiresReauthorization).toBe(false);
    // The right secret: accepted, and the grant was never touched by the refused calls.
    await expect(client.refresh(app, tokens.refreshToken)).resolves.toMatchObject({ openId: UK_SELLER });
  });

  it('reports an unreachable host as a transient network failure', async () => {
    const offline = clientOf(
      loadConfig({ TIKTOK_APP_KEY: 'k', TIKTOK_APP_SECRET: 's', TIKTOK_SERVICE_ID: 'i', TIKTOK_AUTH_BASE_URL: 'http://127.0.0.1:9' }),
    );
    expect(await failure(offline.client.refresh(offline.app, 'whatever'))).toMatchObject({ reason: 'network', transient: true });
  });

  it('never logs a URL, token or secret', async () => {
    const tokens = await grant();
    await control(server, 'faults', { endpoint: '*', type: 'http_500', count: 2 });
    await failure(client.refresh(app, tokens.refreshToken));
    await failure(client.authorizedShops(app, tokens.accessToken));
    await failure(client.exchangeCode(app, 'SBXC_not-a-code'));
    expect(warnings.length).toBeGreaterThanOrEqual(3);
    const logged = warnings.join('\n');
    expect(logged).not.toContain(tokens.refreshToken);
    expect(logged).not.toMatch(/https?:\/\//);
    expect(logged).not.toContain(CREDENTIALS.appSecret);
    expect(logged).not.toMatch(/SBX[ARC]_/);
  });
});

describe('TiktokClient with two apps against one sandbox', () => {
  const GLOBAL = { id: 'global', appKey: 'client-global-key', appSecret: 'client-global-secret', serviceId: 'client-global-service' };
  const US = { id: 'us', appKey: 'client-us-key', appSecret: 'client-us-secret', serviceId: 'client-us-service' };
  let server: SandboxServer;
  let client: TiktokClient;
  let global: TiktokApp;
  let us: TiktokApp;

  beforeAll(async () => {
    server = await startSandboxServer({
      apps: [GLOBAL, US].map((app) => ({ ...app, redirectUrl: `http://127.0.0.1:9/auth/callback/${app.id}` })),
      accessTokenTtlSeconds: 3600,
      refreshTokenTtlSeconds: 86400,
    });
    const config = loadConfig({
      TIKTOK_APPS: 'global,us',
      TIKTOK_APP_GLOBAL_KEY: GLOBAL.appKey,
      TIKTOK_APP_GLOBAL_SECRET: GLOBAL.appSecret,
      TIKTOK_APP_GLOBAL_SERVICE_ID: GLOBAL.serviceId,
      TIKTOK_APP_US_KEY: US.appKey,
      TIKTOK_APP_US_SECRET: US.appSecret,
      TIKTOK_APP_US_SERVICE_ID: US.serviceId,
      TIKTOK_APP_US_AUTHORIZE_URL: 'https://services.us.tiktokshop.com/open/authorize',
      TIKTOK_AUTH_BASE_URL: server.url,
      TIKTOK_API_BASE_URL: server.url,
      TIKTOK_HTTP_TIMEOUT_MS: '300',
    });
    ({ client } = clientOf(config));
    [global, us] = config.tiktok.apps;
  });
  afterAll(async () => {
    await server.close();
  });

  it("sends each app's seller to that app's consent page with its service id", () => {
    const usUrl = new URL(client.authorizeUrl(us, 'abc'));
    expect(usUrl.origin + usUrl.pathname).toBe('https://services.us.tiktokshop.com/open/authorize');
    expect(usUrl.searchParams.get('service_id')).toBe(US.serviceId);
    const globalUrl = new URL(client.authorizeUrl(global, 'abc'));
    expect(globalUrl.origin).toBe('https://services.tiktokshop.com');
    expect(globalUrl.searchParams.get('service_id')).toBe(GLOBAL.serviceId);
  });

  it("calls TikTok with the app's own credentials: one app's code and tokens are refused for the other", async () => {
    const { code } = (await control(server, 'codes', { open_id: UK_SELLER, app: 'us' })) as { code: string };
    expect(await failure(client.exchangeCode(global, code))).toMatchObject({ step: 'token_get', tiktokCode: 36004004 });
    const tokens = await client.exchangeCode(us, code);
    expect(await failure(client.authorizedShops(global, tokens.accessToken))).toMatchObject({ tiktokCode: 105001 });
    expect(await failure(client.refresh(global, tokens.refreshToken))).toMatchObject({ tiktokCode: 36004005 });
    expect((await client.authorizedShops(us, tokens.accessToken)).map((shop) => shop.id)).toEqual(['7000000000000001', '7000000000000002']);
    await expect(client.refresh(us, tokens.refreshToken)).resolves.toMatchObject({ openId: UK_SELLER });
  });
});
