export type RefreshTrigger = 'api' | 'forced' | 'scheduled' | 'admin';

export interface RefreshRequest {
  authorizationId: string;
  trigger: RefreshTrigger;
  /** Refresh unless the stored access token is valid at least until then. */
  neededUntil?: Date;
  /**
   * Refresh even if the token is still valid: `unless_recent` (the token API's forced refresh) takes a token
   * refreshed in the last few seconds instead; `always` (an admin's refresh) calls TikTok whatever happened before.
   */
  force?: 'unless_recent' | 'always';
  /** Admin calls go to TikTok even while the authorization is in backoff. */
  ignoreBackoff?: boolean;
}

export type RefreshOutcome =
  | { kind: 'token'; refreshed: boolean; accessToken: string; accessTokenExpiresAt: Date }
  | { kind: 'reauthorization_required'; reason: string }
  | { kind: 'unavailable'; retryAfterSeconds: number; reason: string }
  | { kind: 'not_found' };
