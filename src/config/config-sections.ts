import { validateCronExpression } from 'cron';
import type { AppConfig, NotifyConfig, RefreshConfig, SandboxConfig, TiktokConfig } from './app-config';
import { DEFAULT_CACHE_MAX_ENTRIES, TIKTOK_DEFAULTS } from './app-config';
import { parseEncryptionKeys } from './encryption-keys';
import type { EnvironmentVariables } from './environment';
import type { SectionContext } from './section-context';
import { appCredentialsGiven, tiktokAppsSection } from './tiktok-apps-config';

// One function per domain of AppConfig, each resolving its variables (already validated one by one; a bad
// one is left out) and the rules that span several of them. Each records every problem it finds and goes
// on, so that loadConfig reports them all at once; loadConfig calls them in a fixed order.

export type { SectionContext } from './section-context';

export function stripSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Production refuses the embedded PostgreSQL: its data would live in a folder a container restart loses. */
export function databaseSection({ env, nodeEnv, problems }: SectionContext): string | undefined {
  if (nodeEnv === 'production' && env.DATABASE_URL === undefined) {
    problems.add('DATABASE_URL', 'is required when NODE_ENV=production (the embedded PostgreSQL is for development and tests)');
  }
  return env.DATABASE_URL;
}

/** On without credentials; never in production. */
export function sandboxSection(context: SectionContext): SandboxConfig {
  const { env, nodeEnv, problems } = context;
  const production = nodeEnv === 'production';
  if (production && env.TIKTOK_SANDBOX === true) {
    problems.add('TIKTOK_SANDBOX', 'the sandbox emulator cannot run with NODE_ENV=production');
  }
  return {
    enabled: !production && (env.TIKTOK_SANDBOX ?? !appCredentialsGiven(context)),
    accessTokenTtlSeconds: env.SANDBOX_ACCESS_TOKEN_TTL_SECONDS ?? 604800,
    refreshTokenTtlSeconds: env.SANDBOX_REFRESH_TOKEN_TTL_SECONDS ?? 31536000,
  };
}

/** The apps and TikTok's hosts; with the sandbox on, its emulator's. */
export function tiktokSection(context: SectionContext, sandbox: boolean, port: number, publicBaseUrl: string): TiktokConfig {
  const { env } = context;
  // The service calls its own emulator over loopback; the browser reaches it through the public URL.
  const sandboxBase = `http://127.0.0.1:${port}/sandbox`;
  return {
    apps: tiktokAppsSection(context, sandbox, publicBaseUrl),
    authBaseUrl: stripSlash(sandbox ? sandboxBase : (env.TIKTOK_AUTH_BASE_URL ?? TIKTOK_DEFAULTS.authBaseUrl)),
    apiBaseUrl: stripSlash(sandbox ? sandboxBase : (env.TIKTOK_API_BASE_URL ?? TIKTOK_DEFAULTS.apiBaseUrl)),
    timeoutMs: env.TIKTOK_HTTP_TIMEOUT_MS ?? 10000,
  };
}

/** The secrets that guard tokens and routes: required in production, generated into DATA_DIR otherwise. */
export function accessSection({
  env,
  nodeEnv,
  problems,
}: SectionContext): Pick<AppConfig, 'encryptionKeys' | 'adminApiKey' | 'apiKeyHmacSecret'> {
  for (const name of ['TOKEN_ENCRYPTION_KEYS', 'ADMIN_API_KEY', 'API_KEY_HMAC_SECRET'] as const) {
    if (nodeEnv === 'production' && env[name] === undefined) problems.add(name, 'is required when NODE_ENV=production');
  }
  const keys = env.TOKEN_ENCRYPTION_KEYS;
  return {
    encryptionKeys: keys === undefined ? null : problems.capture(() => parseEncryptionKeys(keys), []),
    adminApiKey: env.ADMIN_API_KEY ?? null,
    apiKeyHmacSecret: env.API_KEY_HMAC_SECRET ?? null,
  };
}

export function notifySection({ env, problems }: SectionContext): NotifyConfig | null {
  if (env.NOTIFY_WEBHOOK_URL === undefined) return null;
  if (env.NOTIFY_WEBHOOK_SECRET === undefined) problems.add('NOTIFY_WEBHOOK_SECRET', 'is required when NOTIFY_WEBHOOK_URL is set');
  return {
    url: env.NOTIFY_WEBHOOK_URL,
    secret: env.NOTIFY_WEBHOOK_SECRET ?? '',
    maxAttempts: env.NOTIFY_MAX_ATTEMPTS ?? 10,
    pollMs: env.NOTIFY_POLL_MS ?? 1000,
    backoffBaseSeconds: 2,
  };
}

export function refreshSection({ env, problems }: SectionContext): RefreshConfig {
  const cron = env.REFRESH_CRON ?? '0 * * * * *';
  if (!validateCronExpression(cron).valid) problems.add('REFRESH_CRON', `is not a valid cron expression (${cron})`);
  const backoffBaseSeconds = env.REFRESH_BACKOFF_BASE_SECONDS ?? 30;
  const backoffMaxSeconds = env.REFRESH_BACKOFF_MAX_SECONDS ?? 3600;
  if (backoffMaxSeconds < backoffBaseSeconds) {
    problems.add('REFRESH_BACKOFF_MAX_SECONDS', 'must not be smaller than REFRESH_BACKOFF_BASE_SECONDS');
  }
  return {
    schedulerEnabled: env.REFRESH_SCHEDULER_ENABLED ?? true,
    cron,
    aheadSeconds: env.REFRESH_AHEAD_SECONDS ?? 86400,
    concurrency: env.REFRESH_CONCURRENCY ?? 8,
    batchSize: env.REFRESH_BATCH_SIZE ?? 100,
    backoffBaseSeconds,
    backoffMaxSeconds,
    forcedRefreshDedupSeconds: 10,
    claimSeconds: env.REFRESH_CLAIM_SECONDS ?? 30,
  };
}

export function authSection(env: EnvironmentVariables, publicBaseUrl: string): AppConfig['auth'] {
  return {
    allowStatelessCallback: env.AUTH_ALLOW_STATELESS_CALLBACK ?? false,
    stateTtlSeconds: env.AUTH_STATE_TTL_SECONDS ?? 600,
    secureCookies: publicBaseUrl.startsWith('https://'),
  };
}

export function tokensSection(env: EnvironmentVariables): AppConfig['tokens'] {
  return {
    minTtlSeconds: env.TOKEN_MIN_TTL_SECONDS ?? 300,
    cache: env.TOKEN_CACHE_ENABLED ?? true,
    cacheMaxEntries: env.TOKEN_CACHE_MAX_ENTRIES ?? DEFAULT_CACHE_MAX_ENTRIES,
    fastPath: env.TOKEN_FAST_PATH_ENABLED ?? true,
  };
}
