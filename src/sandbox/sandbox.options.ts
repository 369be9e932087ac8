/** One app the emulator serves, as TikTok's Partner Center knows it. */
export interface SandboxApp {
  /** The service's name for it (`default`, `us`...): shown on the consent page. */
  id: string;
  appKey: string;
  appSecret: string;
  serviceId: string;
  /** Where the consent page sends the browser (the app's fixed redirect URL), e.g. http://localhost:3000/auth/callback. */
  redirectUrl: string;
}

export interface SandboxOptions {
  /** At least one; each with its own key, secret, service id and sellers' grants. */
  apps: SandboxApp[];
  /** Default in the app: 604800 (7 days, as TikTok). */
  accessTokenTtlSeconds: number;
  /** Default in the app: 31536000 (1 year). */
  refreshTokenTtlSeconds: number;
  /** Added to every API answer (default 0). */
  latencyMs?: number;
}

export const SANDBOX_OPTIONS = Symbol('SANDBOX_OPTIONS');
