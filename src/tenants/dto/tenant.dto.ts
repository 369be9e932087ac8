import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateBy, ValidateIf } from 'class-validator';
import { toInteger } from '../../common/http/query-transforms';
import { TENANT_ID_PATTERN, TENANT_ID_REGEXP, TENANT_ID_RULE } from '../../common/ids';
import { isWellFormed, METADATA_MAX_KEYS, METADATA_RULE, METADATA_VALUE_MAX_LENGTH, metadataProblem } from '../tenant-metadata';
import { PRINTABLE } from '../../common/text-rules';

/** class-validator's form of {@link metadataProblem}, with its message. */
function IsTenantMetadata(): PropertyDecorator {
  return ValidateBy({
    name: 'isTenantMetadata',
    validator: {
      validate: (value: unknown): boolean => metadataProblem(value) === null,
      defaultMessage: (args): string => metadataProblem(args?.value) ?? 'metadata is invalid',
    },
  });
}

function nameProblem(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  if (!PRINTABLE.test(value)) return value.length === 0 ? null : 'name must not contain control characters';
  if (!/\S/.test(value)) return 'name must not be blank';
  return isWellFormed(value) ? null : 'name must not contain lone surrogates';
}

/** Printable, not blank, storable as given (IsString and the length bounds say the rest). */
function IsTenantName(): PropertyDecorator {
  return ValidateBy({
    name: 'isTenantName',
    validator: {
      validate: (value: unknown): boolean => nameProblem(value) === null,
      defaultMessage: (args): string => nameProblem(args?.value) ?? 'name is invalid',
    },
  });
}

const METADATA_SCHEMA = {
  type: 'object',
  maxProperties: METADATA_MAX_KEYS,
  additionalProperties: { type: 'string', maxLength: METADATA_VALUE_MAX_LENGTH },
} as const;

/** PUT /admin/tenants/{tenant_id}. */
export class PutTenantDto {
  @ApiProperty({ minLength: 1, maxLength: 200, description: 'the customer as people know it (printable, not blank)', example: 'Acme Ltd' })
  // Applied bottom-up: the type check first, so a missing name is reported as such.
  @IsTenantName()
  @MaxLength(200)
  @MinLength(1)
  @IsString()
  name!: string;

  @ApiPropertyOptional({
    ...METADATA_SCHEMA,
    description:
      `${METADATA_RULE}. Replaces the stored metadata when given; omitted: on create {}, on update the stored metadata is kept. ` +
      'Members named `__proto__`, `prototype` or `constructor` are ignored, as in every body.',
  })
  @ValidateIf((dto: PutTenantDto) => dto.metadata !== undefined)
  @IsTenantMetadata()
  metadata?: Record<string, string>;
}

/** GET /admin/tenants: keyset pages in tenant_id order. */
export class ListTenantsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ pattern: `^${TENANT_ID_PATTERN}$`, description: '`next_after` of the previous page (a tenant_id)' })
  @IsOptional()
  @IsString()
  @Matches(TENANT_ID_REGEXP, { message: `after must be ${TENANT_ID_RULE}` })
  after?: string;
}

/** A tenant as the admin API shows it. */
export interface TenantView {
  tenant_id: string;
  name: string;
  metadata: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export class TenantResponse implements TenantView {
  @ApiProperty({ pattern: `^${TENANT_ID_PATTERN}$` })
  tenant_id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ ...METADATA_SCHEMA, description: METADATA_RULE })
  metadata!: Record<string, string>;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ format: 'date-time', description: 'unchanged by a PUT that changes nothing' })
  updated_at!: string;
}

export class TenantListResponse {
  @ApiProperty({ type: [TenantResponse], description: 'in tenant_id order' })
  tenants!: TenantResponse[];

  @ApiProperty({ type: String, nullable: true, description: 'pass as `after` for the next page; null on the last page' })
  next_after!: string | null;
}
