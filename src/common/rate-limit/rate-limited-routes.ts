import type { ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { AccessLevel } from '../http/route-access';

/**
 * The routes anyone on the internet may call without a key: the consent flow (/auth, connect links) and TikTok's webhooks. Keyed
 * routes (/v1, /admin, /auth/status) and probes are not limited: their callers are ours.
 */
const LIMITED_PREFIXES = /^\/(auth|connect|webhooks)(\/|$)/;

/** `path` is the route's pattern as Express matched it (`/auth/tiktok`), not the request URL. */
export function isRateLimited(path: string, access: AccessLevel): boolean {
  return access === 'public' && LIMITED_PREFIXES.test(path);
}

export const RATE_LIMIT_WINDOW_MS = 60_000;

export function isWebhookRoute(context: ExecutionContext): boolean {
  const path = (context.switchToHttp().getRequest<Request>().route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && path.startsWith('/webhooks');
}
