import { authorizationEndSql } from './derived-status';

/** The expiries and refresh bookkeeping of an authorization, as the admin views read them. */
export interface RefreshStateRow {
  access_token_expires_at: Date | null;
  authorization_expires_at: Date | null;
  last_refreshed_at: Date | null;
  refresh_failures: number;
  last_refresh_error: string | null;
  next_refresh_at: Date | null;
}

/** The same, as the admin API answers them (see RefreshStateResponse for the OpenAPI side). */
export interface RefreshStateView {
  access_token_expires_at: string | null;
  authorization_expires_at: string | null;
  last_refreshed_at: string | null;
  refresh_failures: number;
  last_refresh_error: string | null;
  next_refresh_at: string | null;
}

/** The select-list of a {@link RefreshStateRow} from the authorization aliased `a`. */
export function refreshStateColumns(a: string): string {
  return `${a}.access_token_expires_at, ${authorizationEndSql(a)} AS authorization_expires_at,
          ${a}.last_refreshed_at, ${a}.refresh_failures, ${a}.last_refresh_error, ${a}.next_refresh_at`;
}

export function refreshStateView(row: RefreshStateRow): RefreshStateView {
  return {
    access_token_expires_at: row.access_token_expires_at?.toISOString() ?? null,
    authorization_expires_at: row.authorization_expires_at?.toISOString() ?? null,
    last_refreshed_at: row.last_refreshed_at?.toISOString() ?? null,
    refresh_failures: row.refresh_failures,
    last_refresh_error: row.last_refresh_error,
    next_refresh_at: row.next_refresh_at?.toISOString() ?? null,
  };
}
