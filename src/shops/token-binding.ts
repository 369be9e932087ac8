import type { TokenCipher } from '../common/crypto/token-cipher';

export type TokenColumn = 'access_token' | 'refresh_token';

/** Associated data binding a token ciphertext to its row and column: moved anywhere else, it will not decrypt. */
export function tokenBinding(authorizationId: string, column: TokenColumn): string {
  if (!authorizationId) throw new Error('tokenBinding needs an authorization id');
  return `seller_authorizations:${authorizationId}:${column}`;
}

/** A token pair encrypted for the authorization's row, as its two columns store it. */
export function sealTokens(
  cipher: TokenCipher,
  authorizationId: string,
  pair: { accessToken: string; refreshToken: string },
): { accessToken: string; refreshToken: string } {
  return {
    accessToken: cipher.encrypt(pair.accessToken, tokenBinding(authorizationId, 'access_token')),
    refreshToken: cipher.encrypt(pair.refreshToken, tokenBinding(authorizationId, 'refresh_token')),
  };
}

/** A stored token of the authorization's row, decrypted. Throws DecryptionError if it was tampered with or moved. */
export function openToken(cipher: TokenCipher, authorizationId: string, column: TokenColumn, envelope: string): string {
  return cipher.decrypt(envelope, tokenBinding(authorizationId, column));
}
