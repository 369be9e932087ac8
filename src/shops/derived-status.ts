/**
 * The statuses operators and microservices see, derived from stored columns. One definition, used as SQL
 * fragments by every query that reports or filters on them, so the `expiring` rule cannot drift.
 */
export const AUTHORIZATION_VIEW_STATUSES = ['active', 'expiring', 'reauthorization_required', 'revoked'] as const;
export type AuthorizationViewStatus = (typeof AUTHORIZATION_VIEW_STATUSES)[number];

export const SHOP_VIEW_STATUSES = ['active', 'expiring', 'reauthorization_required', 'revoked', 'deauthorized'] as const;
export type ShopViewStatus = (typeof SHOP_VIEW_STATUSES)[number];

/** An authorization ending within this window is `expiring`: the seller must consent again soon. */
export const EXPIRING_WINDOW_SQL = "interval '30 days'";

/** When the authorization ends: as stored at consent, or as TikTok announced it (type 7 webhook). */
export function authorizationEndSql(a: string): string {
  return `LEAST(${a}.refresh_token_expires_at, ${a}.reported_expires_at)`;
}

/** True when the authorization ends within the expiring window. */
export function endsSoonSql(a: string): string {
  return `${authorizationEndSql(a)} < now() + ${EXPIRING_WINDOW_SQL}`;
}

export function authorizationStatusSql(a: string): string {
  return `CASE WHEN ${a}.status = 'active' AND ${endsSoonSql(a)} THEN 'expiring' ELSE ${a}.status END`;
}

export function shopStatusSql(s: string, a: string): string {
  return `CASE WHEN ${s}.status = 'revoked' THEN 'revoked'
               WHEN ${s}.status <> 'active' THEN 'deauthorized'
               ELSE ${authorizationStatusSql(a)} END`;
}

/**
 * True exactly when `authorizationStatusSql(a) = status`, written so that an index can serve it (the CASE
 * expression cannot be indexed: `expiring` depends on now()).
 */
export function authorizationStatusIsSql(a: string, status: AuthorizationViewStatus): string {
  switch (status) {
    case 'active':
      return `(${a}.status = 'active' AND NOT COALESCE(${endsSoonSql(a)}, false))`;
    case 'expiring':
      return `(${a}.status = 'active' AND ${endsSoonSql(a)})`;
    case 'reauthorization_required':
    case 'revoked':
      return `${a}.status = '${status}'`;
  }
}

/**
 * True exactly when `shopStatusSql(s, a) = status`, given `authorizationIs(x)`: true exactly when the shop's
 * authorization has view status x. The caller chooses how that is looked up (a join, or a list of ids).
 */
export function shopStatusIsSql(s: string, status: ShopViewStatus, authorizationIs: (status: AuthorizationViewStatus) => string): string {
  switch (status) {
    case 'revoked':
      return `(${s}.status = 'revoked' OR (${s}.status = 'active' AND ${authorizationIs('revoked')}))`;
    case 'deauthorized':
      return `${s}.status NOT IN ('active', 'revoked')`;
    case 'active':
    case 'expiring':
    case 'reauthorization_required':
      return `(${s}.status = 'active' AND ${authorizationIs(status)})`;
  }
}
