import { AppError, ErrorCode } from '../common/errors/app-error';
import type { TiktokApp, TiktokApps } from '../config/tiktok-apps';

/**
 * The app a delivery is for, by the path it was sent to: `/webhooks/tiktok` is the default app's (the first
 * listed; `default` with one app), `/webhooks/tiktok/{app}` that app's. Null: the path is neither.
 * `path` is what follows the /webhooks/tiktok mount, as Express gives it to the middleware (`/`, `/us`).
 */
export function webhookAppSegment(path: string | undefined): { id: string | undefined } | null {
  if (path === undefined) return null;
  if (path === '/' || path === '') return { id: undefined };
  const match = /^\/([^/]+)\/?$/.exec(path);
  if (!match) return null;
  // As Express decodes a route parameter, so that the middleware and the route agree on the app.
  try {
    return { id: decodeURIComponent(match[1]) };
  } catch {
    return { id: match[1] };
  }
}

/**
 * The app of `/webhooks/tiktok/{id}`, or 400 `unknown_app`. Unlike the other routes' answer, this one does
 * not list the configured apps: anyone on the internet can call it, and which Partner Center apps a
 * deployment holds is nobody else's business.
 */
export function webhookApp(apps: TiktokApps, id: string | undefined): TiktokApp {
  if (id === undefined) return apps.default;
  const app = apps.byId(id);
  if (!app) throw new AppError(ErrorCode.UnknownApp, `no app ${JSON.stringify(id.slice(0, 40))} receives webhooks here`);
  return app;
}
