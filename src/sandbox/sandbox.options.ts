export interface SandboxOptions {
  appKey: string;
  appSecret: string;
  serviceId: string;
  /** Where the consent page sends the browser, e.g. http://localhost:3000/auth/callback. */
  redirectUrl: string;
  /** Default in the app: 604800 (7 days, as TikTok). */
  accessTokenTtlSeconds: number;
  /** Default in the app: 31536000 (1 year). */
  refreshTokenTtlSeconds: number;
  /** Added to every API answer (default 0). */
  latencyMs?: number;
}

export const SANDBOX_OPTIONS = Symbol('SANDBOX_OPTIONS');
