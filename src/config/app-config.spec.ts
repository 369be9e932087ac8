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
    expect(config.tiktok.apps[0].appKey).toBe(SANDBOX_CREDENTIALS.appKey);
    expect(config.tiktok.apps[0].authorizeUrl).toBe('http://localhost:3000/sandbox/open/authorize');
    expect(config.tiktok.authBaseUrl).toBe('http://127.0.0.1:3000/sandbox');
    expect(config.encryptionKeys).toBeNull();
    expect(config.auth.allowStatelessCallback).toBe(false);
    expect(config.rateLimit.perMinute).toBe(120);
  });

  it('uses the real TikTok hosts when credentials are set', () => {
    const config = loadConfig({ TIKTOK_APP_KEY: 'k', TIKTOK_APP_SECRET: 's', TIKTOK_SERVICE_ID: 'sid' });
    expect(config.sandbox.enabled).toBe(false);
    expect(config.tiktok.apps).toEqual([
      expect.objectContaining({ id: 'default', appKey: 'k', appSecret: 's', serviceId: 'sid', authorizeUrl: TIKTOK_DEFAULTS.authorizeUrl }),
    ]);
    expect(config.tiktok).toMatchObject({
      authBaseUrl: TIKTOK_DEFAULTS.authBaseUrl,
      apiBaseUrl: TIKTOK_DEFAULTS.apiBaseUrl,
    });
  });

  const PRODUCTION = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgresql://u:p@db:5432/tts',
    TIKTOK_APP_KEY: 'k',
    TIKTOK_APP_SECRET: 's',
    TIKTOK_SERVICE_ID: 'i',
    TOKEN_ENCRYPTION_KEYS: `a:${KEY}`,
    ADMIN_API_KEY: 'a'.repeat(32),
    API_KEY_HMAC_SECRET: 'h'.repeat(32),
  };

  it('accepts a complete production configuration', () => {
    const config = loadConfig(PRODUCTION);
    expect(config.sandbox.enabled).toBe(false);
    expect(config.databaseUrl).toBe(PRODUCTION.DATABASE_URL);
  });

  // Each case lists every variable named, in order: one line each, all at once.
  it.each([
    [{ PORT: 'abc' }, ['PORT']],
    [{ PORT: '70000' }, ['PORT']],
    [{ PUBLIC_BASE_URL: 'not a url' }, ['PUBLIC_BASE_URL']],
    [{ DATABASE_URL: 'mysql://x' }, ['DATABASE_URL']],
    [{ TIKTOK_SANDBOX: 'maybe' }, ['TIKTOK_SANDBOX']],
    [{ TIKTOK_SANDBOX: 'false' }, ['TIKTOK_APP_KEY', 'TIKTOK_APP_SECRET', 'TIKTOK_SERVICE_ID']],
    [{ TIKTOK_APP_KEY: 'k' }, ['TIKTOK_APP_SECRET', 'TIKTOK_SERVICE_ID']],
    [{ ...PRODUCTION, TOKEN_ENCRYPTION_KEYS: undefined }, ['TOKEN_ENCRYPTION_KEYS']],
    [{ ...PRODUCTION, TIKTOK_APP_KEY: undefined }, ['TIKTOK_APP_KEY']],
    [{ ...PRODUCTION, TIKTOK_SANDBOX: 'true' }, ['TIKTOK_SANDBOX']],
    [{ ...PRODUCTION, DATABASE_URL: undefined }, ['DATABASE_URL']],
    [{ TOKEN_ENCRYPTION_KEYS: 'a:short' }, ['TOKEN_ENCRYPTION_KEYS']],
    [{ TOKEN_ENCRYPTION_KEYS: `a:${KEY},a:${KEY}` }, ['TOKEN_ENCRYPTION_KEYS']],
    [{ AUTH_ALLOW_STATELESS_CALLBACK: 'sometimes' }, ['AUTH_ALLOW_STATELESS_CALLBACK']],
    [{ ADMIN_API_KEY: 'short' }, ['ADMIN_API_KEY']],
    [{ NOTIFY_WEBHOOK_URL: 'http://127.0.0.1:9/hook' }, ['NOTIFY_WEBHOOK_SECRET']],
    [{ NOTIFY_WEBHOOK_URL: 'ftp://x' }, ['NOTIFY_WEBHOOK_URL']],
    [{ ADMIN_API_KEY: 'aaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbb' }, ['ADMIN_API_KEY']],
    [{ REFRESH_CRON: 'every minute' }, ['REFRESH_CRON']],
    [{ REFRESH_CONCURRENCY: '0' }, ['REFRESH_CONCURRENCY']],
    [{ RATE_LIMIT_PER_MINUTE: '0' }, ['RATE_LIMIT_PER_MINUTE']],
    [{ TOKEN_MIN_TTL_SECONDS: '-1' }, ['TOKEN_MIN_TTL_SECONDS']],
    [{ REFRESH_BACKOFF_BASE_SECONDS: '60', REFRESH_BACKOFF_MAX_SECONDS: '30' }, ['REFRESH_BACKOFF_MAX_SECONDS']],
    [{ ...PRODUCTION, ADMIN_API_KEY: undefined }, ['ADMIN_API_KEY']],
    // Everything production needs, at once (it took three restarts to learn the last three).
    [
      { NODE_ENV: 'production' },
      [
        'DATABASE_URL',
        'TIKTOK_APP_KEY',
        'TIKTOK_APP_SECRET',
        'TIKTOK_SERVICE_ID',
        'TOKEN_ENCRYPTION_KEYS',
        'ADMIN_API_KEY',
        'API_KEY_HMAC_SECRET',
      ],
    ],
    // Wrong on its own and also missing for a rule: named once, for the first reason.
    [{ TIKTOK_SANDBOX: 'false', TIKTOK_APP_SECRET: 's'.repeat(300) }, ['TIKTOK_APP_SECRET', 'TIKTOK_APP_KEY', 'TIKTOK_SERVICE_ID']],
    [
      { PORT: 'abc', REFRESH_CRON: 'never', TIKTOK_SANDBOX: 'yes', NOTIFY_WEBHOOK_URL: 'http://x/hook' },
      ['PORT', 'TIKTOK_SANDBOX', 'NOTIFY_WEBHOOK_SECRET', 'REFRESH_CRON'],
    ],
  ])('rejects %j naming %j', (env, variables) => {
    const error = errorOf(env);
    expect(error.problems.map((problem) => problem.variable)).toEqual(variables);
    expect(error.variable).toBe(variables[0]);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(variables.length);
    lines.forEach((line, index) => expect(line.startsWith(`${variables[index]}: `)).toBe(true));
    expect(error.lines()).toEqual(lines.map((line) => `configuration error: ${line}`));
  });

  it('names the missing credential in production, not the sandbox', () => {
    expect(errorOf({ ...PRODUCTION, TIKTOK_APP_KEY: undefined }).message).toBe('TIKTOK_APP_KEY: is required when NODE_ENV=production');
    expect(errorOf({ ...PRODUCTION, DATABASE_URL: undefined }).message).toMatch(/^DATABASE_URL: is required when NODE_ENV=production/);
  });

  it('accepts exactly true or false for a boolean', () => {
    for (const value of ['yes', 'no', '1', '0', 'TRUE', 'False', 'on']) {
      expect(errorOf({ TOKEN_CACHE_ENABLED: value }).message).toBe('TOKEN_CACHE_ENABLED: must be true or false');
    }
    expect(loadConfig({ TOKEN_CACHE_ENABLED: ' false ' }).tokens.cache).toBe(false);
    expect(loadConfig({ TOKEN_CACHE_ENABLED: '' }).tokens.cache).toBe(true);
  });

  it('listens on loopback by default outside production, on every interface in production', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'test' }).host).toBe('127.0.0.1');
    expect(loadConfig(PRODUCTION).host).toBe('0.0.0.0');
    expect(loadConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
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
