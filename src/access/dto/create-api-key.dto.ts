import { ArrayMaxSize, ArrayUnique, IsArray, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';

export const SHOP_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const PRINTABLE = /^[^\u0000-\u001f\u007f]+$/;

export class CreateApiKeyDto {
  @IsString() @MinLength(1) @MaxLength(100) @Matches(PRINTABLE, { message: 'name must not contain control characters' })
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @IsOptional() @IsArray() @ArrayMaxSize(10000) @ArrayUnique()
  @IsString({ each: true }) @Matches(SHOP_ID_PATTERN, { each: true, message: 'each shop id must be 1-64 characters of [A-Za-z0-9_-]' })
  shop_ids?: string[];
}

export interface ApiKeyView {
  id: string;
  name: string;
  key_prefix: string;
  shop_ids: string[] | null;
  created_at: string;
  last_used_at: string | null;
}

export interface CreatedApiKey {
  id: string;
  name: string;
  /** Shown once, never stored. */
  key: string;
  shop_ids: string[] | null;
}
