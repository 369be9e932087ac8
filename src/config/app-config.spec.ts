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

const PRODUCTION_APPS = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://u:p@db:5432/tts',
  TOKEN_ENCRYPTION_KEYS: `a:${KEY}`,
  ADMIN_API_KEY: 'a'.repeat(32),
  API_KEY_HMAC_SECRET: 'h'.repeat(32),
};

describe('loadConfig with several apps (TIKTOK_APPS)', () => {
  const GLOBAL = { TIKTOK_APP_GLOBAL_KEY: 'gk', TIKTOK_APP_GLOBAL_SECRET: 'gs', TIKTOK_APP_GLOBAL_SERVICE_ID: 'gi' };
  const US = { TIKTOK_APP_US_KEY: 'uk', TIKTOK_APP_US_SECRET: 'us', TIKTOK_APP_US_SERVICE_ID: 'ui' };
  const TWO = { TIKTOK_APPS: 'global,us', ...GLOBAL, ...US };

  it('gives two sandbox apps with their own generated credentials when no credentials are set', () => {
    const config = loadConfig({ TIKTOK_APPS: 'global,us' });
    expect(config.sandbox.enabled).toBe(true);
    expect(
      config.tiktok.apps.map(({ id, appKey, appSecret, serviceId, authorizeUrl }) => ({ id, appKey, appSecret, serviceId, authorizeUrl })),
    ).toEqual([
      {
        id: 'global',
        appKey: 'sandbox-global-app-key',
        appSecret: 'sandbox-global-app-secret',
        serviceId: 'sandbox-global-service-id',
        authorizeUrl: 'http://localhost:3000/sandbox/open/authorize',
      },
      {
        id: 'us',
        appKey: 'sandbox-us-app-key',
        appSecret: 'sandbox-us-app-secret',
        serviceId: 'sandbox-us-service-id',
        authorizeUrl: 'http://localhost:3000/sandbox/open/authorize',
      },
    ]);
  });

  it("uses each app's credentials in the order listed, a per-app consent host, and the global one by default", () => {
    const config = loadConfig({ ...TWO, TIKTOK_APP_US_AUTHORIZE_URL: 'https://services.us.tiktokshop.com/open/authorize' });
    expect(config.sandbox.enabled).toBe(false);
    expect(config.tiktok.apps).toEqual([
      expect.objectContaining({ id: 'global', appKey: 'gk', appSecret: 'gs', serviceId: 'gi', authorizeUrl: TIKTOK_DEFAULTS.authorizeUrl }),
      expect.objectContaining({
        id: 'us',
        appKey: 'uk',
        appSecret: 'us',
        serviceId: 'ui',
        authorizeUrl: 'https://services.us.tiktokshop.com/open/authorize',
      }),
    ]);
  });

  it('reads an app id with a dash as upper case with an underscore, and an id of 32 characters', () => {
    const id = `a-${'b'.repeat(30)}`;
    const prefix = `TIKTOK_APP_A_${'B'.repeat(30)}`;
    const config = loadConfig({
      TIKTOK_APPS: ` eu-2 , ${id} `,
      TIKTOK_APP_EU_2_KEY: 'ek',
      TIKTOK_APP_EU_2_SECRET: 'es',
      TIKTOK_APP_EU_2_SERVICE_ID: 'ei',
      [`${prefix}_KEY`]: 'ak',
      [`${prefix}_SECRET`]: 'as',
      [`${prefix}_SERVICE_ID`]: 'ai',
    });
    expect(config.tiktok.apps.map((app) => [app.id, app.appKey])).toEqual([
      ['eu-2', 'ek'],
      [id, 'ak'],
    ]);
  });

  it('never shows an app secret when an app is serialized', () => {
    const apps = loadConfig({ ...TWO, TIKTOK_APP_GLOBAL_SECRET: 'global-secret-value', TIKTOK_APP_US_SECRET: 'us-secret-value' }).tiktok
      .apps;
    expect(JSON.stringify(apps)).toBe('[{"id":"global"},{"id":"us"}]');
  });

  // Each case lists every variable named, in order: one line each.
  it.each([
    // Both forms at once: every single-app variable set is named.
    [{ ...TWO, TIKTOK_APP_KEY: 'k' }, ['TIKTOK_APP_KEY']],
    [{ ...TWO, TIKTOK_APP_SECRET: 's' }, ['TIKTOK_APP_SECRET']],
    [{ ...TWO, TIKTOK_SERVICE_ID: 'i' }, ['TIKTOK_SERVICE_ID']],
    [{ ...TWO, TIKTOK_AUTHORIZE_URL: 'https://example.com/authorize' }, ['TIKTOK_AUTHORIZE_URL']],
    [{ TIKTOK_APPS: 'global,us', TIKTOK_APP_KEY: 'k' }, ['TIKTOK_APP_KEY']],
    // A missing secret (or key, or service id) once any app's key is set.
    [{ ...TWO, TIKTOK_APP_US_SECRET: undefined }, ['TIKTOK_APP_US_SECRET']],
    [
      { ...TWO, TIKTOK_APP_GLOBAL_SERVICE_ID: undefined, TIKTOK_APP_US_KEY: undefined },
      ['TIKTOK_APP_GLOBAL_SERVICE_ID', 'TIKTOK_APP_US_KEY'],
    ],
    [{ ...TWO, TIKTOK_APP_US_SECRET: '   ' }, ['TIKTOK_APP_US_SECRET']],
    // The same app key for two apps.
    [{ ...TWO, TIKTOK_APP_US_KEY: 'gk' }, ['TIKTOK_APP_US_KEY']],
    // Invalid or repeated ids.
    [{ ...TWO, TIKTOK_APPS: 'global,US' }, ['TIKTOK_APPS']],
    [{ ...TWO, TIKTOK_APPS: 'global,,us' }, ['TIKTOK_APPS']],
    [{ ...TWO, TIKTOK_APPS: 'global,us,' }, ['TIKTOK_APPS']],
    [{ ...TWO, TIKTOK_APPS: 'global,u_s' }, ['TIKTOK_APPS']],
    [{ ...TWO, TIKTOK_APPS: `global,${'u'.repeat(33)}` }, ['TIKTOK_APPS']],
    [{ ...TWO, TIKTOK_APPS: 'global,us,global' }, ['TIKTOK_APPS']],
    [{ TIKTOK_APPS: 'us,us' }, ['TIKTOK_APPS']],
    // Per-app variables of an app TIKTOK_APPS does not list, or without TIKTOK_APPS at all.
    [{ ...TWO, TIKTOK_APP_EU_KEY: 'ek' }, ['TIKTOK_APP_EU_KEY']],
    [
      { TIKTOK_APPS: 'global', ...GLOBAL, TIKTOK_APP_US_AUTHORIZE_URL: 'https://services.us.tiktokshop.com/open/authorize' },
      ['TIKTOK_APP_US_AUTHORIZE_URL'],
    ],
    [{ TIKTOK_APP_US_KEY: 'uk' }, ['TIKTOK_APP_US_KEY']],
    // A per-app value that is wrong on its own.
    [{ ...TWO, TIKTOK_APP_US_AUTHORIZE_URL: 'services.us.tiktokshop.com' }, ['TIKTOK_APP_US_AUTHORIZE_URL']],
    [{ ...TWO, TIKTOK_APP_US_SECRET: 's'.repeat(300) }, ['TIKTOK_APP_US_SECRET']],
    // Production names every missing credential of every app.
    [
      { ...PRODUCTION_APPS, TIKTOK_APPS: 'global,us' },
      [
        'TIKTOK_APP_GLOBAL_KEY',
        'TIKTOK_APP_GLOBAL_SECRET',
        'TIKTOK_APP_GLOBAL_SERVICE_ID',
        'TIKTOK_APP_US_KEY',
        'TIKTOK_APP_US_SECRET',
        'TIKTOK_APP_US_SERVICE_ID',
      ],
    ],
  ])('rejects %j naming %j', (env, variables) => {
    const error = errorOf(env);
    expect(error.problems.map((problem) => problem.variable)).toEqual(variables);
    const lines = error.lines();
    expect(lines).toHaveLength(variables.length);
    lines.forEach((line, index) => expect(line.startsWith(`configuration error: ${variables[index]}: `)).toBe(true));
  });

  it('says what is wrong in words an operator can act on', () => {
    expect(errorOf({ ...TWO, TIKTOK_APP_KEY: 'k' }).message).toBe(
      'TIKTOK_APP_KEY: cannot be set with TIKTOK_APPS; configure each app as TIKTOK_APP_<ID>_KEY',
    );
    expect(errorOf({ ...TWO, TIKTOK_APP_US_SECRET: undefined }).message).toBe(
      "TIKTOK_APP_US_SECRET: is required when any listed app's key is set (or set TIKTOK_SANDBOX=true)",
    );
    expect(errorOf({ ...TWO, TIKTOK_APP_US_KEY: 'gk' }).message).toBe(
      'TIKTOK_APP_US_KEY: is the same app key as TIKTOK_APP_GLOBAL_KEY: each app is configured once',
    );
    expect(errorOf({ ...TWO, TIKTOK_APPS: 'global,US' }).message).toBe(
      'TIKTOK_APPS: must be comma-separated app ids of 1 to 32 characters of a-z, 0-9 and -, not "US"',
    );
    expect(errorOf({ ...TWO, TIKTOK_APPS: 'us,global,us' }).message).toBe('TIKTOK_APPS: lists "us" twice');
    expect(errorOf({ ...TWO, TIKTOK_APP_EU_KEY: 'ek' }).message).toBe('TIKTOK_APP_EU_KEY: names an app TIKTOK_APPS does not list');
    expect(errorOf({ TIKTOK_APP_US_KEY: 'uk' }).message).toBe('TIKTOK_APP_US_KEY: is set but TIKTOK_APPS is not (list the app ids there)');
  });

  it('starts a single-app deployment configured the old way whatever other TIKTOK_APP_* variables its environment holds', () => {
    const config = loadConfig({ TIKTOK_APP_KEY: 'k', TIKTOK_APP_SECRET: 's', TIKTOK_SERVICE_ID: 'sid', TIKTOK_APP_LEGACY_KEY: 'old' });
    expect(config.tiktok.apps.map((app) => [app.id, app.appKey])).toEqual([['default', 'k']]);
  });

  it('never echoes a secret in a problem', () => {
    const secret = `secret-${'x'.repeat(300)}`;
    for (const env of [
      { ...TWO, TIKTOK_APP_US_SECRET: secret },
      { ...TWO, TIKTOK_APP_EU_SECRET: secret },
      { ...TWO, TIKTOK_APP_SECRET: secret },
    ]) {
      expect(errorOf(env).message).not.toContain('secret-x');
    }
  });
});
