import { TokenCipher } from '../common/crypto/token-cipher';
import { StoredTokensRepository } from './stored-tokens.repository';
import { tokenBinding, TokenColumn } from './token-binding';

export interface RotationProgress {
  done: number;
  total: number;
}

const BATCH = 100;

export function countStale(tokens: StoredTokensRepository, cipher: TokenCipher): Promise<number> {
  return tokens.countNotOnKey(cipher.currentKeyId);
}

/**
 * Re-encrypts every stored token with the current (first) key. Safe while the service runs: each row is
 * rewritten under its row lock, so it serialises with refreshes, and a row refreshed meanwhile is already on
 * the current key and skipped. Resumable: what is left is whatever is not on the current key yet.
 */
export async function rotateKeys(
  tokens: StoredTokensRepository,
  cipher: TokenCipher,
  onProgress: (progress: RotationProgress) => void = () => undefined,
): Promise<number> {
  const total = await countStale(tokens, cipher);
  let done = 0;
  let after = '00000000-0000-0000-0000-000000000000';
  onProgress({ done, total });
  for (;;) {
    const ids = await tokens.idsNotOnKey(cipher.currentKeyId, after, BATCH);
    if (ids.length === 0) break;
    for (const id of ids) {
      const reencrypt = (value: string | null, column: TokenColumn): string | null => {
        if (value === null || TokenCipher.keyIdOf(value) === cipher.currentKeyId) return value;
        return cipher.encrypt(cipher.decrypt(value, tokenBinding(id, column)), tokenBinding(id, column));
      };
      await tokens.rewrite(id, (row) => ({
        accessToken: reencrypt(row.accessToken, 'access_token'),
        refreshToken: reencrypt(row.refreshToken, 'refresh_token'),
      }));
      done += 1;
      onProgress({ done: Math.min(done, total), total });
    }
    after = ids[ids.length - 1];
  }
  return done;
}

/** Key ids found in stored values that no configured key can decrypt. */
export async function unknownStoredKeyIds(tokens: StoredTokensRepository, cipher: TokenCipher): Promise<string[]> {
  return (await tokens.keyIdsInUse()).filter((id) => !cipher.hasKey(id));
}
