import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import { SellerAuthorization } from './entities/seller-authorization.entity';

export type StoredTokens = Pick<SellerAuthorization, 'accessToken' | 'refreshToken'>;

const TOKENS = selectColumns(SellerAuthorization, 'seller_authorizations', ['accessToken', 'refreshToken']);

/** Rows holding a value that is not encrypted with the key `$1`. */
const STALE = `((access_token IS NOT NULL AND split_part(access_token, ':', 2) <> $1)
             OR (refresh_token IS NOT NULL AND split_part(refresh_token, ':', 2) <> $1))`;

/** The encrypted token columns of seller_authorizations, as key rotation and the start-up key check see them. */
@Injectable()
export class StoredTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async countNotOnKey(keyId: string): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM seller_authorizations WHERE ${STALE}`, [
      keyId,
    ]);
    return row.n;
  }

  /** The next `limit` authorization ids after `after` (in id order) holding a value not on `keyId`. */
  async idsNotOnKey(keyId: string, after: string, limit: number): Promise<string[]> {
    const rows = await this.dataSource.query<{ id: string }[]>(
      `SELECT id FROM seller_authorizations WHERE id > $2 AND ${STALE} ORDER BY id LIMIT $3`,
      [keyId, after, limit],
    );
    return rows.map((row) => row.id);
  }

  /**
   * Rewrites the authorization's tokens under its row lock with `rewrite(current)`, so it serialises with
   * refreshes; nothing if the row is gone.
   */
  async rewrite(authorizationId: string, rewrite: (current: StoredTokens) => StoredTokens): Promise<void> {
    const id = requireId(authorizationId, 'an authorization id');
    await this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query<StoredTokens[]>(`SELECT ${TOKENS} FROM seller_authorizations WHERE id = $1 FOR UPDATE`, [id]);
      if (!row) return;
      const next = rewrite(row);
      await manager.query('UPDATE seller_authorizations SET access_token = $2, refresh_token = $3 WHERE id = $1', [
        id,
        next.accessToken,
        next.refreshToken,
      ]);
    });
  }

  /** The key ids found in stored values. */
  async keyIdsInUse(): Promise<string[]> {
    const rows = await this.dataSource.query<{ key_id: string }[]>(
      `SELECT DISTINCT split_part(value, ':', 2) AS key_id FROM (
         SELECT access_token AS value FROM seller_authorizations WHERE access_token IS NOT NULL
         UNION ALL SELECT refresh_token FROM seller_authorizations WHERE refresh_token IS NOT NULL) v`,
    );
    return rows.map((row) => row.key_id);
  }
}
