import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { toBoolean, toInteger, trimmed } from './env-transforms';

/** The variables of tenants, connect sessions and data retention (see {@link EnvironmentVariables}). */
export class TenancyVariables {
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(60)
  @Max(7 * 86400)
  CONNECT_SESSION_TTL_SECONDS?: number;

  /** Comma-separated origins (`https://app.example.com`); checked by tenancySection. */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(8192)
  CONNECT_RETURN_ORIGINS?: string;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  AUTH_ANONYMOUS_CONSENT?: boolean;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_WEBHOOKS_DAYS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(3650)
  RETENTION_NOTIFICATIONS_DAYS?: number;

  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(36500)
  RETENTION_EVENTS_DAYS?: number;

  @IsOptional()
  @Transform(toBoolean)
  @IsBoolean({ message: 'must be true or false' })
  HOUSEKEEPING_ENABLED?: boolean;

  /** Checked by tenancySection, as REFRESH_CRON is. */
  @IsOptional()
  @Transform(trimmed)
  @IsString()
  @MaxLength(100)
  HOUSEKEEPING_CRON?: string;

  // Rows per DELETE statement: each one is its own short transaction, holding row locks only on its batch.
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(10000)
  HOUSEKEEPING_BATCH_SIZE?: number;
}
