import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AdminAccess } from '../access/caller';
import { AuthStatusResponse } from './dto/admin-responses.dto';

export interface AuthStatusEntry {
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

/**
 * The summary the original single-seller design exposed, one entry per authorization. Admin only: it lists
 * every seller.
 */
@ApiTags('admin')
@Controller('auth/status')
@AdminAccess()
export class AuthStatusController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'One entry per seller authorization: status, expiries, shops' })
  @ApiOkResponse({ type: AuthStatusResponse })
  async status(): Promise<{ authorizations: AuthStatusEntry[] }> {
    const rows = await this.dataSource.query<(Omit<AuthStatusEntry, 'expires_at' | 'refresh_expires_at'> & { expires_at: Date | null; refresh_expires_at: Date | null })[]>(
      `SELECT a.open_id, a.seller_name, a.status,
              (a.status = 'active' AND a.refresh_token IS NOT NULL) AS authorized,
              (a.access_token_expires_at IS NULL OR a.access_token_expires_at <= now()) AS access_token_expired,
              (a.refresh_token_expires_at IS NULL OR a.refresh_token_expires_at <= now()) AS refresh_token_expired,
              a.access_token_expires_at AS expires_at, a.refresh_token_expires_at AS refresh_expires_at,
              COALESCE((SELECT json_agg(json_build_object('shop_id', s.id, 'shop_name', s.name, 'region', s.region, 'status', s.status) ORDER BY s.id)
                          FROM shops s WHERE s.authorization_id = a.id), '[]'::json) AS shops
         FROM seller_authorizations a ORDER BY a.created_at, a.id`,
    );
    return {
      authorizations: rows.map((row) => ({
        ...row,
        expires_at: row.expires_at?.toISOString() ?? null,
        refresh_expires_at: row.refresh_expires_at?.toISOString() ?? null,
      })),
    };
  }
}
