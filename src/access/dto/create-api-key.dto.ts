import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { SHOP_ID_REGEXP, SHOP_ID_RULE, TENANT_ID_PATTERN, TENANT_ID_REGEXP, TENANT_ID_RULE } from '../../common/ids';
import { Permission, PERMISSIONS } from '../caller';
import { PRINTABLE } from '../../common/text-rules';

/** The most tenants one key may be limited to. */
export const MAX_KEY_TENANTS = 100;

export class CreateApiKeyDto {
  @ApiProperty({ minLength: 1, maxLength: 100, description: 'who uses the key (printable, not blank)', example: 'orders-service' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'name must not contain control characters' })
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 10000,
    uniqueItems: true,
    description:
      'the shops the key may see (each 1-64 characters of [A-Za-z0-9_-]), each in every app it is granted to (name the app with `?app=` where a shop id is in several); omitted: every shop',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10000)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(SHOP_ID_REGEXP, { each: true, message: `each shop id must be ${SHOP_ID_RULE}` })
  shop_ids?: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_KEY_TENANTS,
    uniqueItems: true,
    items: { type: 'string', pattern: `^${TENANT_ID_PATTERN}$` },
    description:
      'instead of shop_ids: the key sees every shop of these tenants (a tenant owns authorizations, whatever their app), also those connected after it was made, and no other ' +
      `(each ${TENANT_ID_RULE}; every one must exist)`,
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_KEY_TENANTS)
  @ArrayUnique()
  @IsString({ each: true })
  @Matches(TENANT_ID_REGEXP, { each: true, message: `each tenant id must be ${TENANT_ID_RULE}` })
  tenant_ids?: string[];

  @ApiPropertyOptional({
    type: [String],
    enum: PERMISSIONS,
    uniqueItems: true,
    minItems: 1,
    default: ['tokens'],
    description: '`tokens`: the token and shop routes (/v1/shops...); `connect`: connect sessions for its tenants (only with tenant_ids)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @IsIn(PERMISSIONS, { each: true, message: `each permission must be one of ${PERMISSIONS.join(', ')}` })
  permissions?: Permission[];
}

/** What a key may see and do, as the listing and the create answer show it. */
export class ApiKeyScope {
  @ApiProperty({ type: [String], nullable: true, description: 'null: not limited to listed shops; a listed shop id in every app' })
  shop_ids!: string[] | null;

  @ApiProperty({
    type: [String],
    nullable: true,
    description: 'null: not limited by tenant; else every shop of these tenants, and no other',
  })
  tenant_ids!: string[] | null;

  @ApiProperty({ type: [String], enum: PERMISSIONS })
  permissions!: Permission[];
}

export class ApiKeyView extends ApiKeyScope {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ description: 'the first characters of the key, to recognise it' })
  key_prefix!: string;

  @ApiProperty({ format: 'date-time' })
  created_at!: string;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  last_used_at!: string | null;
}

export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyView] })
  api_keys!: ApiKeyView[];
}

export class CreatedApiKey extends ApiKeyScope {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  /** Shown once, never stored. */
  @ApiProperty({ description: 'the key itself, shown this once: only a digest is stored' })
  key!: string;
}
