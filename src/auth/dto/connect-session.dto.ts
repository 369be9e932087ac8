import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';
import { TENANT_ID_PATTERN, TENANT_ID_REGEXP, TENANT_ID_RULE } from '../../common/ids';
import { RETURN_URL_MAX_LENGTH } from '../connect-return';

export class CreateConnectSessionDto {
  @ApiProperty({
    pattern: `^${TENANT_ID_PATTERN}$`,
    description: `the tenant the seller will belong to (${TENANT_ID_RULE})`,
    example: 'merchant-42',
  })
  @IsString()
  @Matches(TENANT_ID_REGEXP, { message: `tenant_id must be ${TENANT_ID_RULE}` })
  tenant_id!: string;

  @ApiPropertyOptional({
    format: 'uri',
    maxLength: RETURN_URL_MAX_LENGTH,
    description:
      'where the browser goes once the consent ends: an absolute http(s) URL whose origin is listed in CONNECT_RETURN_ORIGINS ' +
      '(else 400 return_url_not_allowed). It gets `connect_session_id`, `status=success`, `open_id`, `shop_ids` ' +
      '(and `conflicting_shop_ids`) or `status=error` and `error` added to its query. Omitted: the service shows its own result page.',
    example: 'https://app.example.com/settings/tiktok',
  })
  @IsOptional()
  @IsString()
  return_url?: string | null;

  @ApiPropertyOptional({
    description:
      'the app the seller is asked to authorize, an id of TIKTOK_APPS (else 400 `unknown_app`); omitted: the first listed ' +
      '(`default` in a deployment configured the single-app way)',
    example: 'us',
  })
  @IsOptional()
  @IsString()
  app?: string;
}

export class ConnectSessionResponse {
  @ApiProperty({ format: 'uuid', description: 'the session: the return redirect and the notifications name it' })
  id!: string;

  @ApiProperty({
    description: 'the connect link to send the merchant to (`{PUBLIC_BASE_URL}/connect/{token}`); shown once, only a digest is stored',
    example: 'https://tts.example.com/connect/3q2-7wQ1bq7sVJ0xVdWyrKq8b8PZy6s0bx0m3G8nq4s',
  })
  url!: string;

  @ApiProperty({ format: 'date-time', description: 'the link starts no consent after this (CONNECT_SESSION_TTL_SECONDS)' })
  expires_at!: string;

  @ApiProperty({ description: 'the app the link asks the seller to authorize (an id of TIKTOK_APPS)', example: 'us' })
  app!: string;
}
