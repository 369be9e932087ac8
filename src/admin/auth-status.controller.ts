import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminAccess } from '../access/caller';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { ApiErrors } from '../openapi/api-errors.decorator';
import { AuthStatusQueryDto } from './dto/admin-query.dto';
import { AuthStatusResponse } from './dto/admin-responses.dto';

export interface AuthStatusEntry {
  authorization_id: string;
  open_id: string;
  seller_name: string | null;
  status: string;
  authorized: boolean;
  access_token_expired: boolean;
  refresh_token_expired: boolean;
  expires_at: string | null;
  refresh_expires_at: string | null;
  shops: { shop_id: string; shop_name: string; region: string; status: string }[];
}

type AuthStatusRow = Omit<AuthStatusEntry, 'expires_at' | 'refresh_expires_at'> & {
  expires_at: Date | null;
  refresh_expires_at: Date | null;
};

const DEFAULT_LIMIT = 1000;

/**
 * The summary the original single-seller design exposed, one entry per authorization in creation order. Admin
 * only: it lists every seller. Paged (`limit`, `after`), so that its answer stays bounded with any number of
 * sellers; a caller that ignores `next_after` sees the first 1,000, as before for all but large seller bases.
 */
@ApiTags('admin')
@Controller('auth/status')
@AdminAccess()
export class AuthStatusController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'One entry per seller authorization: status, expiries, shops (pages of up to 1,000)' })
  @ApiOkResponse({ type: AuthStatusResponse })
  @ApiErrors(ErrorCode.InvalidRequest)
  async status(@Query() query: AuthStatusQueryDto = {}): Promise<{ authorizations: AuthStatusEntry[]; next_after: string | null }> {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const params: unknown[] = [limit];
    // The cursor's own row gives the keyset position; an unknown id gives no position and so no rows.
    const after =
      query.after === undefined
        ? ''
        : `WHERE (a.created_at, a.id) > (SELECT c.created_at, c.id FROM seller_authorizations c WHERE c.id = $${params.push(query.after)})`;
    const rows = await this.dataSource.query<AuthStatusRow[]>(
      `SELECT a.id AS authorization_id, a.open_id, a.seller_name, a.status,
              (a.status = 'active' AND a.refresh_token IS NOT NULL) AS authorized,
              (a.access_token_expires_at IS NULL OR a.access_token_expires_at <= now()) AS access_token_expired,
              (a.refresh_token_expires_at IS NULL OR a.refresh_token_expires_at <= now()) AS refresh_token_expired,
              a.access_token_expires_at AS expires_at, a.refresh_token_expires_at AS refresh_expires_at,
              COALESCE((SELECT json_agg(json_build_object('shop_id', s.id, 'shop_name', s.name, 'region', s.region, 'status', s.status) ORDER BY s.id)
                          FROM shops s WHERE s.authorization_id = a.id), '[]'::json) AS shops
         FROM seller_authorizations a ${after}
        ORDER BY a.created_at, a.id LIMIT $1`,
      params,
    );
    // An empty page after an unknown cursor would read as "no more sellers": say it instead.
    if (rows.length === 0 && query.after !== undefined) await this.assertCursorExists(query.after);
    return {
      authorizations: rows.map((row) => ({
        ...row,
        expires_at: row.expires_at?.toISOString() ?? null,
        refresh_expires_at: row.refresh_expires_at?.toISOString() ?? null,
      })),
      next_after: rows.length === limit ? rows[rows.length - 1].authorization_id : null,
    };
  }

  private async assertCursorExists(id: string): Promise<void> {
    const [found] = await this.dataSource.query<unknown[]>('SELECT 1 FROM seller_authorizations WHERE id = $1', [id]);
    if (!found) throw new AppError(ErrorCode.InvalidRequest, 'after is not the id of a stored authorization; start from the first page');
  }
}
