import { APP_ID_RULE, type TiktokApp, type TiktokApps } from '../../config/tiktok-apps';
import { AppError, ErrorCode } from '../errors/app-error';

/**
 * 400 `unknown_app`: the answer for every `app` (query, body, path) this deployment does not configure. It does
 * not list the configured apps: public routes answer it too, and which Partner Center apps a deployment holds
 * is nobody else's business (an operator finds them in TIKTOK_APPS, a caller in its own configuration).
 */
function unknownApp(id: string): AppError {
  return new AppError(ErrorCode.UnknownApp, `app ${JSON.stringify(id.slice(0, 40))} is not configured here (an app id is ${APP_ID_RULE})`);
}

/**
 * The app a request names (`undefined`: the default app), or 400 `unknown_app`. Anything but one string (a
 * repeated query parameter, `app[x]=`, a number in a body) is 400 `invalid_request`.
 */
export function requireApp(apps: TiktokApps, id: unknown): TiktokApp {
  if (id === undefined) return apps.default;
  if (typeof id !== 'string') throw new AppError(ErrorCode.InvalidRequest, 'app must be one app id (a string, given once)');
  const app = apps.byId(id);
  if (!app) throw unknownApp(id);
  return app;
}

/** The app key an optional `app` filter means (undefined: no filter), or 400 `unknown_app`. */
export function appFilter(apps: TiktokApps, id: unknown): string | undefined {
  return id === undefined ? undefined : requireApp(apps, id).appKey;
}

/** 400 `app_required`: a shop id several apps were granted, asked for without naming the app. */
export function appRequired(shopId: string, appIds: readonly string[]): AppError {
  return new AppError(
    ErrorCode.AppRequired,
    `shop ${shopId} is granted to more than one app (${appIds.join(', ')}); name one with ?app=`,
    undefined,
    { apps: [...appIds] },
  );
}
