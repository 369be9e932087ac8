import type { EncryptionKey } from './encryption-keys';
import type { TiktokApp } from './tiktok-apps';

/** TOKEN_CACHE_MAX_ENTRIES by default: about 35 MB of tokens, see TokenCache. */
export const DEFAULT_CACHE_MAX_ENTRIES = 50_000;

export const TIKTOK_DEFAULTS = {
  authorizeUrl: 'https://services.tiktokshop.com/open/authorize',
  authBaseUrl: 'https://auth.tiktok-shops.com',
  apiBaseUrl: 'https://open-api.tiktokglobalshop.com',
} as const;

/** Credentials the sandbox accepts for the `default` app when none are configured. They open nothing outside the emulator. */
export const SANDBOX_CREDENTIALS = {
  appKey: 'sandbox-app-key',
  appSecret: 'sandbox-app-secret',
  serviceId: 'sandbox-service-id',
} as const;

export interface TiktokConfig {
  /** Every app served, the default first; resolve them through TiktokApps (tiktok-apps.ts). */
  apps: TiktokApp[];
  authBaseUrl: string;
  apiBaseUrl: string;
  timeoutMs: number;
}

export interface SandboxConfig {
  enabled: boolean;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

/** The resolved, validated configuration. Built once by loadConfig (load-config.ts). */
export class AppConfig {
  nodeEnv!: 'development' | 'production' | 'test';
  port!: number;
  host!: string;
  publicBaseUrl!: string;
  /**
   * trustProxy: the proxies whose X-Forwarded-For names the client (Express's `trust proxy`; empty: none);
   * requestTimeoutSeconds: how long a client may take to send a request's headers and body.
   */
  http!: { trustProxy: string[]; requestTimeoutSeconds: number };
  databaseUrl?: string;
  databasePoolSize!: number;
  dataDir!: string;
  tiktok!: TiktokConfig;
  sandbox!: SandboxConfig;
  /** Null outside production when unset: a development key is generated into {@link dataDir}. */
  encryptionKeys!: EncryptionKey[] | null;
  auth!: { allowStatelessCallback: boolean; stateTtlSeconds: number; secureCookies: boolean };
  /**
   * anonymousConsent: whether /auth/tiktok starts a consent that belongs to no tenant; connectSessionTtlSeconds:
   * how long a connect link works; returnOrigins: the origins a connect session's return_url may point to.
   */
  tenancy!: { anonymousConsent: boolean; connectSessionTtlSeconds: number; returnOrigins: string[] };
  /** Days the housekeeping job keeps each kind of row (it deletes what is older). */
  retention!: { webhooksDays: number; notificationsDays: number; eventsDays: number };
  /** The job that deletes what {@link retention} no longer keeps: whether it runs here, when, rows per statement. */
  housekeeping!: { enabled: boolean; cron: string; batchSize: number };
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
  /** Gauges of stored data are re-read at most every `refreshSeconds`; with a `token`, /metrics requires it as a Bearer. */
  metrics!: { refreshSeconds: number; token: string | null };
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
