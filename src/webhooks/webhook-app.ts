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
