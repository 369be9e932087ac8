export type TokenColumn = 'access_token' | 'refresh_token';

/** Associated data binding a token ciphertext to its row and column: moved anywhere else, it will not decrypt. */
export function tokenBinding(authorizationId: string, column: TokenColumn): string {
  if (!authorizationId) throw new Error('tokenBinding needs an authorization id');
  return `seller_authorizations:${authorizationId}:${column}`;
}
