import type { DataSource } from 'typeorm';
import { tokenBinding } from '../../shops/token-binding';
import { TokenCipher } from './token-cipher';

export interface RotationProgress {
  done: number;
  total: number;
}

const BATCH = 100;

/** Rows holding a value that is not encrypted with the current key. */
function staleCondition(): string {
  return `(access_token IS NOT NULL AND split_part(access_token, ':', 2) <> $1)
       OR (refresh_token IS NOT NULL AND split_part(refresh_token, ':', 2) <> $1)`;
}

export async function countStale(dataSource: DataSource, cipher: TokenCipher): Promise<number> {
  const [row] = await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM seller_authorizations WHERE ${staleCondition()}`, [
    cipher.currentKeyId,
  ]);
  return row.n;
}

/**
 * Re-encrypts every stored token with the current (first) key. Safe while the service runs: each row is
 * rewritten under its row lock, so it serialises with refreshes, and a row refreshed meanwhile is already on
 * the current key and skipped. Resumable: what is left is whatever is not on the current key yet.
 */
export async function rotateKeys(
  dataSource: DataSource,
  cipher: TokenCipher,
  onProgress: (progress: RotationProgress) => void = () => undefined,
): Promise<number> {
  const total = await countStale(dataSource, cipher);
  let done = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  onProgress({ done, total });
  for (;;) {
    const ids = await dataSource.query<{ id: string }[]>(
      `SELECT id FROM seller_authorizations WHERE id > $2 AND (${staleCondition()}) ORDER BY id LIMIT ${BATCH}`,
      [cipher.currentKeyId, after],
    );
    if (ids.length === 0) break;
    for (const { id } of ids) {
      await dataSource.transaction(async (manager) => {
        const [row] = await manager.query<{ access_token: string | null; refresh_token: string | null }[]>(
          'SELECT access_token, refresh_token FROM seller_authorizations WHERE id = $1 FOR UPDATE',
          [id],
        );
        if (!row) return;
        const reencrypt = (value: string | null, column: 'access_token' | 'refresh_token'): string | null => {
          if (value === null || TokenCipher.keyIdOf(value) === cipher.currentKeyId) return value;
          return cipher.encrypt(cipher.decrypt(value, tokenBinding(id, column)), tokenBinding(id, column));
        };
        await manager.query('UPDATE seller_authorizations SET access_token = $2, refresh_token = $3 WHERE id = $1', [
          id,
          reencrypt(row.access_token, 'access_token'),
          reencrypt(row.refresh_token, 'refresh_token'),
        ]);
      });
      done += 1;
      onProgress({ done: Math.min(done, total), total });
    }
    after = ids[ids.length - 1].id;
  }
  return done;
}

/** Key ids found in stored values that no configured key can decrypt. */
export async function unknownStoredKeyIds(dataSource: DataSource, cipher: TokenCipher): Promise<string[]> {
  const rows = await dataSource.query<{ key_id: string }[]>(
    `SELECT DISTINCT split_part(value, ':', 2) AS key_id FROM (
       SELECT access_token AS value FROM seller_authorizations WHERE access_token IS NOT NULL
       UNION ALL SELECT refresh_token FROM seller_authorizations WHERE refresh_token IS NOT NULL) v`,
  );
  return rows.map((row) => row.key_id).filter((id) => !cipher.hasKey(id));
}
