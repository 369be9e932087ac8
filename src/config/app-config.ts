import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import path from 'node:path';
import { ConfigError } from './config.error';
import {
  accessSection,
  authSection,
  notifySection,
  refreshSection,
  sandboxSection,
  stripSlash,
  tiktokSection,
  tokensSection,
} from './config-sections';
import type { EncryptionKey } from './encryption-keys';
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
  /**
   * Requests per minute per client address on each public /auth and /webhooks route; TikTok delivers webhooks
   * from few addresses, hence their own, higher limit.
   */
  rateLimit!: { perMinute: number; webhooksPerMinute: number };
  /** Null outside production when unset: generated into {@link dataDir}. */
  adminApiKey!: string | null;
  /** Key of the HMAC that turns service API keys into stored digests; null: generated as above. */
  apiKeyHmacSecret!: string | null;
  /**
   * cache: serve tokens and API keys from memory, invalidated on every replica through LISTEN/NOTIFY;
   * cacheMaxEntries: at most this many tokens (and as many keys) in memory, the oldest dropped first;
   * fastPath: answer the token route's common case before Express (TokenFastPath), with the cache on.
   */
  tokens!: { minTtlSeconds: number; cache: boolean; cacheMaxEntries: number; fastPath: boolean };
  refresh!: RefreshConfig;
  /** JSON logs to stdout, or appended to `file`. */
  log!: { level: string; file: string | null };
  /** Null: no notifications. */
  notify!: NotifyConfig | null;
}

export interface NotifyConfig {
  url: string;
  secret: string;
  maxAttempts: number;
  pollMs: number;
  backoffBaseSeconds: number;
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

/**
 * Reads and validates the environment. Throws {@link ConfigError} naming the first bad variable. Each domain
 * resolves its own section (config-sections.ts), in this order, so the first problem reported is the same
 * whatever else is wrong.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = plainToInstance(EnvironmentVariables, { ...source }, { excludeExtraneousValues: false });
  const error = firstError(env);
  if (error) throw error;

  const nodeEnv = env.NODE_ENV ?? 'development';
  const port = env.PORT ?? 3000;
  const publicBaseUrl = stripSlash(env.PUBLIC_BASE_URL ?? `http://localhost:${port}`);
  const sandbox = sandboxSection(env, nodeEnv);
  const tiktok = tiktokSection(env, sandbox.enabled, port, publicBaseUrl);
  const access = accessSection(env, nodeEnv);
  const notify = notifySection(env);
  const refresh = refreshSection(env);
  return Object.assign(new AppConfig(), {
    nodeEnv,
    port,
    host: env.HOST ?? '0.0.0.0',
    publicBaseUrl,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE ?? 10,
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    tiktok,
    sandbox,
    ...access,
    auth: authSection(env, publicBaseUrl),
    rateLimit: { perMinute: env.RATE_LIMIT_PER_MINUTE ?? 120, webhooksPerMinute: env.RATE_LIMIT_WEBHOOKS_PER_MINUTE ?? 6000 },
    tokens: tokensSection(env),
    log: { level: env.LOG_LEVEL ?? 'info', file: env.LOG_FILE ? path.resolve(env.LOG_FILE) : null },
    notify,
    refresh,
  });
}
