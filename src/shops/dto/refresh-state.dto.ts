import { ApiProperty } from '@nestjs/swagger';
import { DATE_TIME_OR_NULL, STRING_OR_NULL } from '../../openapi/schema-types';

/** The expiries and refresh bookkeeping both admin views report about an authorization. */
export class RefreshStateResponse {
  @ApiProperty(DATE_TIME_OR_NULL)
  access_token_expires_at!: string | null;

  @ApiProperty(DATE_TIME_OR_NULL)
  authorization_expires_at!: string | null;

  @ApiProperty(DATE_TIME_OR_NULL)
  last_refreshed_at!: string | null;

  @ApiProperty({ type: 'integer' })
  refresh_failures!: number;

  @ApiProperty(STRING_OR_NULL)
  last_refresh_error!: string | null;

  @ApiProperty(DATE_TIME_OR_NULL)
  next_refresh_at!: string | null;
}
