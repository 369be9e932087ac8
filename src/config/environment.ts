import { Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { IsTrustProxyList } from './http-config';
import { TenancyVariables } from './tenancy-environment';
import { toBoolean, toInteger, trimmed } from './env-transforms';

/** The longest AUTH_STATE_TTL_SECONDS: the housekeeping job relies on no state living longer. */
export const MAX_STATE_TTL_SECONDS = 3600;

/** What every URL variable must be (class-validator's isURL options); the per-app ones are checked with it too. */
export const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/**
 * Every environment variable the service reads, as received. Validated once at start-up; the rest of the
 * code reads the resolved {@link AppConfig}, never process.env.
 */
export class EnvironmentVariables extends TenancyVariables {
  @IsOptional()
  @Transform(trimmed)
  @IsIn(['development', 'production', 'test'])
  NODE_ENV?: 'development' | 'production' | 'test';

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT?: number;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(255)
  HOST?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsUrl(HTTP_URL)
  PUBLIC_BASE_URL?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @IsTrustProxyList()
  TRUST_PROXY?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(300)
  HTTP_REQUEST_TIMEOUT_SECONDS?: number;

  @IsOptional()
  @Transform(trimmed)
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE?: number;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MinLength(1)
  DATA_DIR?: string;

  /** Comma-separated app ids; each app's variables are read by tiktok-apps-config.ts. */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(1024)
  TIKTOK_APPS?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(128)
  TIKTOK_APP_KEY?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(256)
  TIKTOK_APP_SECRET?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(128)
  TIKTOK_SERVICE_ID?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsUrl(HTTP_URL)
  TIKTOK_AUTHORIZE_URL?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsUrl(HTTP_URL)
  TIKTOK_AUTH_BASE_URL?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsUrl(HTTP_URL)
  TIKTOK_API_BASE_URL?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  TIKTOK_SANDBOX?: boolean;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(100)
  @Max(120000)
  TIKTOK_HTTP_TIMEOUT_MS?: number;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  TOKEN_ENCRYPTION_KEYS?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  AUTH_ALLOW_STATELESS_CALLBACK?: boolean;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(MAX_STATE_TTL_SECONDS)
  AUTH_STATE_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000)
  RATE_LIMIT_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000000)
  RATE_LIMIT_WEBHOOKS_PER_MINUTE?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  SANDBOX_ACCESS_TOKEN_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces (it is sent as a Bearer token)' })
  ADMIN_API_KEY?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MinLength(32, { message: 'must be at least 32 characters' })
  @MaxLength(256)
  API_KEY_HMAC_SECRET?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(86400)
  TOKEN_MIN_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  REFRESH_SCHEDULER_ENABLED?: boolean;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  REFRESH_CRON?: string;

  // TikTok's access tokens live about 7 days: refreshing further ahead would refresh on every run.
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(6 * 86400)
  REFRESH_AHEAD_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(256)
  REFRESH_CONCURRENCY?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(10000)
  REFRESH_BATCH_SIZE?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  REFRESH_BACKOFF_BASE_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(86400)
  REFRESH_BACKOFF_MAX_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3600)
  REFRESH_CLAIM_SECONDS?: number;

  @IsOptional()
  @Transform(trimmed)
  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  TOKEN_CACHE_ENABLED?: boolean;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(10_000_000)
  TOKEN_CACHE_MAX_ENTRIES?: number;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  TOKEN_FAST_PATH_ENABLED?: boolean;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(1024)
  LOG_FILE?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsUrl(HTTP_URL)
  NOTIFY_WEBHOOK_URL?: string;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  @MaxLength(256)
  NOTIFY_WEBHOOK_SECRET?: string;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(50)
  NOTIFY_MAX_ATTEMPTS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(50)
  @Max(60000)
  NOTIFY_POLL_MS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  SANDBOX_REFRESH_TOKEN_TTL_SECONDS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(0)
  @Max(3600)
  METRICS_REFRESH_SECONDS?: number;

  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  @MaxLength(256)
  @Matches(/^[\x21-\x7e]+$/, { message: 'must be printable ASCII without spaces (it is sent as a Bearer token)' })
  METRICS_TOKEN?: string;
}
