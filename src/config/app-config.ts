import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { validateCronExpression } from 'cron';
import path from 'node:path';
import { ConfigError } from './config.error';
import { EncryptionKey, parseEncryptionKeys } from './encryption-keys';
import { EnvironmentVariables } from './environment';

/** TOKEN_CACHE_MAX_ENTRIES by default: about 35 MB of tokens, see TokenCache. */
export const DEFAULT_CACHE_MAX_ENTRIES = 50_000;

export const TIKTOK_DEFAULTS = {
  authorizeUrl: 'https://services.tiktokshop.com/open/authorize',
  authBaseUrl: 'https://auth.tiktok-shops.com',
  apiBaseUrl: 'https://open-api.tiktokglobalshop.com',
} as const;

/** Credentials the sandbox accepts when no real ones are configured. They open nothing outside the emulator. */
export const SANDBOX_CREDENTIALS = {
  appKey: 'sandbox-app-key',
  appSecret: 'sandbox-app-secret',
  serviceId: 'sandbox-service-id',
} as const;

export interface TiktokConfig {
  appKey: string;
  appSecret: string;
  serviceId: string;
  authorizeUrl: string;
  authBaseUrl: string;
  apiBaseUrl: string;
  timeoutMs: number;
}

export interface SandboxConfig {
  enabled: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/** The resolved, validated configuration. Built once by {@link loadConfig}. */
export class AppConfig {
  nodeEnv!: 'development' | 'production' | 'test';
  port!: number;
  host!: string;
  publicBaseUrl!: string;
  databaseUrl?: string;
  databasePoolSize!: number;
  dataDir!: string;
  tiktok!: TiktokConfig;
  sandbox!: SandboxConfig;
  /** Null outside production when unset: a development key is generated into {@link dataDir}. */
  encryptionKeys!: EncryptionKey[] | null;
  auth!: { allowStatelessCallback: boolean; stateTtlSeconds: number; secureCookies: boolean };
  /** Requests per minute per client IP on each public /auth and /webhooks route. */
  /** Per client address; TikTok delivers webhooks from few addresses, hence their own, higher limit. */
  rateLimit!: { perMinute: number; webhooksPerMinute: number };
  /** Null outside production when unset: generated into {@link dataDir}. */
  adminApiKey!: string | null;
  /** Key of the HMAC that turns service API keys into stored digests; null: generated as above. */
  apiKeyHmacSecret!: string | null;
  /**
   * cache: serve tokens and API keys from memory, invalidated on every replica through LISTEN/NOTIFY;
   * cacheMaxEntries: at most this many tokens (and as many keys) in memory, the oldest dropped first.
   */
  tokens!: { minTtlSeconds: number; cache: boolean; cacheMaxEntries: number };
  refresh!: RefreshConfig;
  /** JSON logs to stdout, or appended to `file`. */
  log!: { level: string; file: string | null };
  /** Null: no notifications. */
  notify!: { url: string; secret: string; maxAttempts: number; pollMs: number; backoffBaseSeconds: number } | null;
}

export interface RefreshConfig {
  schedulerEnabled: boolean;
  cron: string;
  aheadSeconds: number;
  concurrency: number;
  batchSize: number;
  backoffBaseSeconds: number;
  backoffMaxSeconds: number;
  /** A forced refresh within this many seconds of the last one returns that token instead. */
  forcedRefreshDedupSeconds: number;
  /**
   * How long a scheduler run's claim keeps other replicas off an authorization. Only spreads work: the row
   * lock and re-read inside the refresh make a lapsed claim cost at most a wasted look, never a second call.
   */
  claimSeconds: number;
}

const TYPE_CONSTRAINTS = ['isInt', 'isBoolean', 'isString', 'isUrl', 'matches', 'isIn'];

function firstError(env: EnvironmentVariables): ConfigError | undefined {
  const [error] = validateSync(env, { forbidUnknownValues: false });
  if (!error) return undefined;
  // A wrong type says more than a range check on the same value.
  const constraints = error.constraints ?? {};
  const key = TYPE_CONSTRAINTS.find((name) => name in constraints) ?? Object.keys(constraints)[0];
  const detail = (key && constraints[key]) || 'is invalid';
  return new ConfigError(error.property, detail.replace(`${error.property} `, ''));
}

function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Reads and validates the environment. Throws {@link ConfigError} naming the first bad variable. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = plainToInstance(EnvironmentVariables, { ...source }, { excludeExtraneousValues: false });
  const error = firstError(env);
  if (error) throw error;

  const nodeEnv = env.NODE_ENV ?? 'development';
  const port = env.PORT ?? 3000;
  const publicBaseUrl = stripSlash(env.PUBLIC_BASE_URL ?? `http://localhost:${port}`);
  const sandboxEnabled = env.TIKTOK_SANDBOX ?? env.TIKTOK_APP_KEY === undefined;
  if (sandboxEnabled && nodeEnv === 'production') {
    throw new ConfigError('TIKTOK_SANDBOX', 'the sandbox emulator cannot run with NODE_ENV=production');
  }
  if (!sandboxEnabled) {
    for (const name of ['TIKTOK_APP_KEY', 'TIKTOK_APP_SECRET', 'TIKTOK_SERVICE_ID'] as const) {
      if (env[name] === undefined) throw new ConfigError(name, 'is required when TIKTOK_SANDBOX is false');
    }
  }
  for (const name of ['TOKEN_ENCRYPTION_KEYS', 'ADMIN_API_KEY', 'API_KEY_HMAC_SECRET'] as const) {
    if (nodeEnv === 'production' && env[name] === undefined) throw new ConfigError(name, 'is required when NODE_ENV=production');
  }
  if (env.NOTIFY_WEBHOOK_URL !== undefined && env.NOTIFY_WEBHOOK_SECRET === undefined) {
    throw new ConfigError('NOTIFY_WEBHOOK_SECRET', 'is required when NOTIFY_WEBHOOK_URL is set');
  }
  const cron = env.REFRESH_CRON ?? '0 * * * * *';
  const cronCheck = validateCronExpression(cron);
  if (!cronCheck.valid) throw new ConfigError('REFRESH_CRON', `is not a valid cron expression (${cron})`);
  const backoffBaseSeconds = env.REFRESH_BACKOFF_BASE_SECONDS ?? 30;
  const backoffMaxSeconds = env.REFRESH_BACKOFF_MAX_SECONDS ?? 3600;
  if (backoffMaxSeconds < backoffBaseSeconds) {
    throw new ConfigError('REFRESH_BACKOFF_MAX_SECONDS', 'must not be smaller than REFRESH_BACKOFF_BASE_SECONDS');
  }

  // The service calls its own emulator over loopback; the browser reaches it through the public URL.
  const sandboxBase = `http://127.0.0.1:${port}/sandbox`;
  const tiktok: TiktokConfig = {
    appKey: env.TIKTOK_APP_KEY ?? SANDBOX_CREDENTIALS.appKey,
    appSecret: env.TIKTOK_APP_SECRET ?? SANDBOX_CREDENTIALS.appSecret,
    serviceId: env.TIKTOK_SERVICE_ID ?? SANDBOX_CREDENTIALS.serviceId,
    authorizeUrl: sandboxEnabled ? `${publicBaseUrl}/sandbox/open/authorize` : (env.TIKTOK_AUTHORIZE_URL ?? TIKTOK_DEFAULTS.authorizeUrl),
    authBaseUrl: stripSlash(sandboxEnabled ? sandboxBase : (env.TIKTOK_AUTH_BASE_URL ?? TIKTOK_DEFAULTS.authBaseUrl)),
    apiBaseUrl: stripSlash(sandboxEnabled ? sandboxBase : (env.TIKTOK_API_BASE_URL ?? TIKTOK_DEFAULTS.apiBaseUrl)),
    timeoutMs: env.TIKTOK_HTTP_TIMEOUT_MS ?? 10000,
  };

  return Object.assign(new AppConfig(), {
    nodeEnv,
    port,
    host: env.HOST ?? '0.0.0.0',
    publicBaseUrl,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE ?? 10,
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    tiktok,
    sandbox: {
      enabled: sandboxEnabled,
      accessTokenTtlSeconds: env.SANDBOX_ACCESS_TOKEN_TTL_SECONDS ?? 604800,
      refreshTokenTtlSeconds: env.SANDBOX_REFRESH_TOKEN_TTL_SECONDS ?? 31536000,
    },
    encryptionKeys: env.TOKEN_ENCRYPTION_KEYS === undefined ? null : parseEncryptionKeys(env.TOKEN_ENCRYPTION_KEYS),
    auth: {
      allowStatelessCallback: env.AUTH_ALLOW_STATELESS_CALLBACK ?? false,
      stateTtlSeconds: env.AUTH_STATE_TTL_SECONDS ?? 600,
      secureCookies: publicBaseUrl.startsWith('https://'),
    },
    rateLimit: { perMinute: env.RATE_LIMIT_PER_MINUTE ?? 120, webhooksPerMinute: env.RATE_LIMIT_WEBHOOKS_PER_MINUTE ?? 6000 },
    adminApiKey: env.ADMIN_API_KEY ?? null,
    apiKeyHmacSecret: env.API_KEY_HMAC_SECRET ?? null,
    tokens: {
      minTtlSeconds: env.TOKEN_MIN_TTL_SECONDS ?? 300,
      cache: env.TOKEN_CACHE_ENABLED ?? true,
      cacheMaxEntries: env.TOKEN_CACHE_MAX_ENTRIES ?? DEFAULT_CACHE_MAX_ENTRIES,
    },
    log: { level: env.LOG_LEVEL ?? 'info', file: env.LOG_FILE ? path.resolve(env.LOG_FILE) : null },
    notify:
      env.NOTIFY_WEBHOOK_URL === undefined
        ? null
        : {
            url: env.NOTIFY_WEBHOOK_URL,
            secret: env.NOTIFY_WEBHOOK_SECRET ?? '',
            maxAttempts: env.NOTIFY_MAX_ATTEMPTS ?? 10,
            pollMs: env.NOTIFY_POLL_MS ?? 1000,
            backoffBaseSeconds: 2,
          },
    refresh: {
      schedulerEnabled: env.REFRESH_SCHEDULER_ENABLED ?? true,
      cron,
      aheadSeconds: env.REFRESH_AHEAD_SECONDS ?? 86400,
      concurrency: env.REFRESH_CONCURRENCY ?? 8,
      batchSize: env.REFRESH_BATCH_SIZE ?? 100,
      backoffBaseSeconds,
      backoffMaxSeconds,
      forcedRefreshDedupSeconds: 10,
      claimSeconds: env.REFRESH_CLAIM_SECONDS ?? 30,
    },
  });
}
