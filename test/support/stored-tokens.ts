import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { TokenCipher } from '../../src/common/crypto/token-cipher';
import { openToken } from '../../src/shops/token-binding';

export interface StoredTokenReader {
  /**
   * The authorization's stored pair, decrypted with the instance's own keys and row binding; null when it
   * holds none. Throws DecryptionError if a ciphertext was tampered with or moved to another row or column.
   */
  readTokens(authorizationId: string): Promise<{ accessToken: string; refreshToken: string } | null>;
}

/** Reads what an instance stored, as it would read it: the tests' view of the encrypted token columns. */
export function storedTokens(app: INestApplication): StoredTokenReader {
  const dataSource = app.get(DataSource);
  const cipher = app.get(TokenCipher);
  return {
    async readTokens(authorizationId) {
      const [row] = await dataSource.query<{ access_token: string | null; refresh_token: string | null }[]>(
        'SELECT access_token, refresh_token FROM seller_authorizations WHERE id = $1',
        [authorizationId],
      );
      if (!row?.access_token || !row.refresh_token) return null;
      return {
        accessToken: openToken(cipher, authorizationId, 'access_token', row.access_token),
        refreshToken: openToken(cipher, authorizationId, 'refresh_token', row.refresh_token),
      };
    },
  };
}
