import { selectColumns } from '../database/columns';
import { authorizationEndSql } from './derived-status';
import { SellerAuthorization } from './entities/seller-authorization.entity';

/** The refresh bookkeeping of an authorization both admin views report. */
export const REFRESH_STATE_PROPERTIES = [
  'accessTokenExpiresAt',
  'lastRefreshedAt',
  'refreshFailures',
  'lastRefreshError',
  'nextRefreshAt',
] as const;

/** An authorization's refresh bookkeeping as stored, and when it ends (derived: see authorizationEndSql). */
export type RefreshState = Pick<SellerAuthorization, (typeof REFRESH_STATE_PROPERTIES)[number]> & { endsAt: Date | null };

/** The select-list of a {@link RefreshState} from the authorization aliased `a`, under `prefix` if given. */
export function refreshStateColumns(a: string, prefix?: string): string {
  return `${selectColumns(SellerAuthorization, a, REFRESH_STATE_PROPERTIES, prefix)}, ${authorizationEndSql(a)} AS "${prefix ? `${prefix}.` : ''}endsAt"`;
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

export function refreshStateView(state: RefreshState): RefreshStateView {
  return {
    access_token_expires_at: state.accessTokenExpiresAt?.toISOString() ?? null,
    authorization_expires_at: state.endsAt?.toISOString() ?? null,
    last_refreshed_at: state.lastRefreshedAt?.toISOString() ?? null,
    refresh_failures: state.refreshFailures,
    last_refresh_error: state.lastRefreshError,
    next_refresh_at: state.nextRefreshAt?.toISOString() ?? null,
  };
}
