import { Controller, Get, Query } from '@nestjs/common';
import { IsIn, IsOptional, IsUUID, Max, Min, IsInt } from 'class-validator';
import { Transform } from 'class-transformer';
import { AdminAccess } from '../access/caller';
import { toInteger } from '../common/http/query-transforms';
import { AuthorizationView, AuthorizationsQueryService, AUTHORIZATION_VIEW_STATUSES } from './authorizations-query.service';

class ListAuthorizationsQueryDto {
  @IsOptional() @IsIn(AUTHORIZATION_VIEW_STATUSES)
  status?: (typeof AUTHORIZATION_VIEW_STATUSES)[number];

  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  /** Cursor: the last id of the previous page. */
  @IsOptional() @IsUUID()
  after?: string;
}

@Controller('admin/authorizations')
@AdminAccess()
export class AuthorizationsAdminController {
  constructor(private readonly authorizations: AuthorizationsQueryService) {}

  @Get()
  list(@Query() query: ListAuthorizationsQueryDto): Promise<{ authorizations: AuthorizationView[]; next_after: string | null }> {
    return this.authorizations.list(query.status, query.limit ?? 100, query.after);
  }
}
