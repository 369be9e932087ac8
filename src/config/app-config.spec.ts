import { ConfigError } from './config.error';
import { SANDBOX_CREDENTIALS, TIKTOK_DEFAULTS } from './app-config';
import { loadConfig } from './load-config';

const KEY = Buffer.alloc(32, 7).toString('base64');

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('defaults to the sandbox on port 3000 without credentials', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.sandbox.enabled).toBe(true);
    expect(config.tiktok.appKey).toBe(SANDBOX_CREDENTIALS.appKey);
    expect(config.tiktok.authorizeUrl).toBe('http://localhost:3000/sandbox/open/authorize');
    expect(config.tiktok.authBaseUrl).toBe('http://127.0.0.1:3000/sandbox');
    expect(config.encryptionKeys).toBeNull();
    expect(config.auth.allowStatelessCallback).toBe(false);
    expect(config.rateLimit.perMinute).toBe(120);
  });

  it('uses the real TikTok hosts when credentials are set', () => {
    const config = loadConfig({ TIKTOK_APP_KEY: 'k', TIKTOK_APP_SECRET: 's', TIKTOK_SERVICE_ID: 'sid' });
    expect(config.sandbox.enabled).toBe(false);
    expect(config.tiktok).toMatchObject({
      appKey: 'k',
      serviceId: 'sid',
      authorizeUrl: TIKTOK_DEFAULTS.authorizeUrl,
      authBaseUrl: TIKTOK_DEFAULTS.authBaseUrl,
      apiBaseUrl: TIKTOK_DEFAULTS.apiBaseUrl,
    });
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PUBLIC_BASE_URL: 'not a url' }, 'PUBLIC_BASE_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ TIKTOK_SANDBOX: 'maybe' }, 'TIKTOK_SANDBOX'],
    [{ TIKTOK_SANDBOX: 'false' }, 'TIKTOK_APP_KEY'],
    [{ TIKTOK_APP_KEY: 'k' }, 'TIKTOK_APP_SECRET'],
    [{ NODE_ENV: 'production', TIKTOK_APP_KEY: 'k', TIKTOK_APP_SECRET: 's', TIKTOK_SERVICE_ID: 'i' }, 'TOKEN_ENCRYPTION_KEYS'],
    [{ NODE_ENV: 'production', TOKEN_ENCRYPTION_KEYS: `a:${KEY}` }, 'TIKTOK_SANDBOX'],
    [{ TOKEN_ENCRYPTION_KEYS: 'a:short' }, 'TOKEN_ENCRYPTION_KEYS'],
    [{ TOKEN_ENCRYPTION_KEYS: `a:${KEY},a:${KEY}` }, 'TOKEN_ENCRYPTION_KEYS'],
    [{ AUTH_ALLOW_STATELESS_CALLBACK: 'sometimes' }, 'AUTH_ALLOW_STATELESS_CALLBACK'],
    [{ ADMIN_API_KEY: 'short' }, 'ADMIN_API_KEY'],
    [{ NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook' }, 'NOTIFY_WEBHOOK_SECRET'],
    [{ NOTIFY_WEBHOOK_URL: 'ftp://x' }, 'NOTIFY_WEBHOOK_URL'],
    [{ ADMIN_API_KEY: 'aaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbb' }, 'ADMIN_API_KEY'],
    [{ REFRESH_CRON: 'every minute' }, 'REFRESH_CRON'],
    [{ REFRESH_CONCURRENCY: '0' }, 'REFRESH_CONCURRENCY'],
    [{ RATE_LIMIT_PER_MINUTE: '0' }, 'RATE_LIMIT_PER_MINUTE'],
    [{ TOKEN_MIN_TTL_SECONDS: '-1' }, 'TOKEN_MIN_TTL_SECONDS'],
    [{ REFRESH_BACKOFF_BASE_SECONDS: '60', REFRESH_BACKOFF_MAX_SECONDS: '30' }, 'REFRESH_BACKOFF_MAX_SECONDS'],
    [
      { NODE_ENV: 'production', TIKTOK_APP_KEY: 'k', TIKTOK_APP_SECRET: 's', TIKTOK_SERVICE_ID: 'i', TOKEN_ENCRYPTION_KEYS: `a:${KEY}` },
      'ADMIN_API_KEY',
    ],
  ])('rejects %j naming %s', (env, variable) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message.startsWith(`${variable}: `)).toBe(true);
    expect(error.message).not.toContain('\n');
  });

  it('says what is wrong with a non-numeric port', () => {
    expect(errorOf({ PORT: 'abc' }).message).toBe('PORT: must be an integer number');
    expect(errorOf({ PORT: '3000.5' }).message).toBe('PORT: must be an integer number');
  });

  it('parses encryption keys, first one encrypting', () => {
    const other = Buffer.alloc(32, 9).toString('base64');
    const config = loadConfig({ TOKEN_ENCRYPTION_KEYS: `new:${KEY}, old:${other}` });
    expect(config.encryptionKeys?.map((k) => k.id)).toEqual(['new', 'old']);
  });

  it('reads booleans strictly', () => {
    expect(loadConfig({ AUTH_ALLOW_STATELESS_CALLBACK: 'true' }).auth.allowStatelessCallback).toBe(true);
    expect(
      loadConfig({ TIKTOK_SANDBOX: 'false', TIKTOK_APP_KEY: 'k', TIKTOK_APP_SECRET: 's', TIKTOK_SERVICE_ID: 'i' }).sandbox.enabled,
    ).toBe(false);
  });
});
