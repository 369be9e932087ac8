import { Injectable } from '@nestjs/common';
import { SandboxClock } from './sandbox-clock';
import { SandboxConfigService } from './sandbox-config.service';
import { newAccessToken, newAuthCode, newRefreshToken } from './sandbox-ids';
import { SandboxSellersService } from './sandbox-sellers.service';
import { SandboxStatsService } from './sandbox-stats.service';
import {
  invalidRequest,
  SandboxApiError,
  SandboxInputError,
  SandboxSeller,
  SandboxShop,
  TikTokCode,
  TokenGrantData,
} from './sandbox.types';

/** TikTok documents a 30-minute life for auth codes. */
export const AUTH_CODE_TTL_SECONDS = 30 * 60;
export const GRANTED_SCOPES: readonly string[] = ['seller.authorization.info', 'seller.shop.info'];

interface CodeRecord {
  appKey: string;
  openId: string;
  expiresAt: number;
  used: boolean;
}

/** One seller's grant to one app. Its id changes only when a revoked or ended grant is replaced. */
interface AuthorizationRecord {
  id: number;
  appKey: string;
  openId: string;
  refreshExpiresAt: number;
  revoked: boolean;
  /** Shops removed by developer-side deauthorize; a new consent covers all shops again. */
  removedShopIds: Set<string>;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  issuedAtMs: number;
}

interface AccessTokenRecord {
  authorizationId: number;
  appKey: string;
  openId: string;
  issuedAt: number;
  expiresAt: number;
}

/** What the emulator knows about an access token it issued (tests check "valid when served" with it). */
export interface AccessTokenView {
  open_id: string;
  app_key: string;
  issued_at: number;
  expires_at: number;
  /** The seller's grant was revoked or replaced since. */
  revoked: boolean;
}

export interface CurrentTokens {
  access_token: string;
  refresh_token: string;
  access_token_expire_in: number;
  refresh_token_expire_in: number;
  revoked: boolean;
  /** Wall-clock milliseconds of the latest issue (consent or refresh), for attributing lost rotations. */
  issued_at_ms: number;
}

/**
 * Auth codes, authorizations and tokens, with TikTok's rules: single-use codes, rotating refresh tokens. Each
 * app's grants are its own: a code, refresh token or access token works only with the app it was issued to.
 */
@Injectable()
export class SandboxStateService {
  private readonly codes = new Map<string, CodeRecord>();
  /** By {@link grantKey}: one seller's grants to two apps are two authorizations. */
  private readonly authorizations = new Map<string, AuthorizationRecord>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  /** Only each authorization's latest refresh token: rotated ones are unknown, as at TikTok. */
  private readonly refreshTokens = new Map<string, AccessTokenRecord>();
  /** Every refresh token ever issued, to attribute calls with rotated tokens to their seller. */
  private readonly refreshOwners = new Map<string, string>();
  private nextAuthorizationId = 1;

  constructor(
    private readonly clock: SandboxClock,
    private readonly config: SandboxConfigService,
    private readonly sellers: SandboxSellersService,
    private readonly stats: SandboxStatsService,
  ) {}

  issueCode(appKey: string, openId: string): string {
    if (!this.sellers.get(openId)) throw new SandboxInputError(`unknown open_id ${openId}`, 404);
    const code = newAuthCode();
    this.codes.set(code, { appKey, openId, expiresAt: this.clock.nowSeconds() + AUTH_CODE_TTL_SECONDS, used: false });
    this.stats.recordIssued('codes', code);
    return code;
  }

  /** Who a code belongs to, without using it (a faulted call must leave it usable). */
  codeOwner(code: string): string | undefined {
    return this.codes.get(code)?.openId;
  }

  refreshTokenOwner(refreshToken: string): string | undefined {
    return this.refreshOwners.get(refreshToken);
  }

  exchangeCode(appKey: string, code: string): TokenGrantData {
    const record = this.codes.get(code);
    const now = this.clock.nowSeconds();
    if (!record || record.appKey !== appKey) throw invalidAuthCode('auth_code is invalid');
    if (record.used) throw invalidAuthCode('auth_code has already been used');
    if (now >= record.expiresAt) throw invalidAuthCode('auth_code has expired');
    const seller = this.sellers.get(record.openId);
    if (!seller) throw invalidAuthCode('auth_code is invalid: seller not found');
    record.used = true;

    const refreshExpiresAt = now + this.config.refreshTokenTtlSeconds;
    const existing = this.authorizations.get(grantKey(appKey, record.openId));
    const ongoing = existing && !existing.revoked && now < existing.refreshExpiresAt;
    const authorization: AuthorizationRecord = ongoing
      ? existing
      : {
          id: this.nextAuthorizationId++,
          appKey,
          openId: record.openId,
          refreshExpiresAt,
          revoked: false,
          removedShopIds: new Set(),
          accessToken: '',
          accessExpiresAt: 0,
          refreshToken: '',
          issuedAtMs: 0,
        };
    // A fresh consent renews the authorization period and covers every shop again.
    authorization.refreshExpiresAt = refreshExpiresAt;
    authorization.removedShopIds.clear();
    this.authorizations.set(grantKey(appKey, record.openId), authorization);
    this.rotate(authorization);
    return this.grant(authorization, seller);
  }

  refresh(appKey: string, refreshToken: string): TokenGrantData {
    const found = this.refreshTokens.get(refreshToken);
    const entry = found?.appKey === appKey ? found : undefined;
    const authorization = entry && this.authorizations.get(grantKey(appKey, entry.openId));
    if (!entry || !authorization || authorization.id !== entry.authorizationId || authorization.revoked) {
      throw new SandboxApiError(TikTokCode.AuthRecordNotFound, 'can not find related auth record');
    }
    if (this.clock.nowSeconds() >= authorization.refreshExpiresAt) {
      throw new SandboxApiError(TikTokCode.RefreshTokenExpired, 'rt has expired');
    }
    const seller = this.sellers.get(authorization.openId);
    if (!seller) throw new SandboxApiError(TikTokCode.AuthRecordNotFound, 'can not find related auth record');
    this.rotate(authorization);
    this.stats.recordRefresh(authorization.openId);
    return this.grant(authorization, seller);
  }

  /** Resolves an access token of the app to its seller's open_id, with TikTok's 105001/105002 refusals. */
  authenticate(appKey: string, accessToken: string | undefined): string {
    if (!accessToken) throw new SandboxApiError(TikTokCode.InvalidAccessToken, 'access token is missing');
    const record = this.accessTokens.get(accessToken);
    if (!record || record.appKey !== appKey) throw new SandboxApiError(TikTokCode.InvalidAccessToken, 'access token is invalid');
    const authorization = this.authorizations.get(grantKey(appKey, record.openId));
    if (!authorization || authorization.id !== record.authorizationId || authorization.revoked) {
      throw new SandboxApiError(TikTokCode.InvalidAccessToken, 'access token is invalid: the seller deauthorized the app');
    }
    if (this.clock.nowSeconds() >= record.expiresAt) {
      throw new SandboxApiError(TikTokCode.ExpiredAccessToken, 'access token is expired');
    }
    return record.openId;
  }

  authorizedShops(appKey: string, openId: string): SandboxShop[] {
    const authorization = this.authorizations.get(grantKey(appKey, openId));
    const seller = this.sellers.get(openId);
    if (!authorization || !seller) return [];
    return seller.shops.filter((shop) => !authorization.removedShopIds.has(shop.id));
  }

  /** Developer-side deauthorize of one shop; with no shop left the whole authorization ends. */
  removeShop(appKey: string, openId: string, cipher: string): void {
    const authorization = this.authorizations.get(grantKey(appKey, openId));
    const shop = this.authorizedShops(appKey, openId).find((candidate) => candidate.cipher === cipher);
    if (!authorization || !shop) throw invalidRequest('shop_cipher is not authorized for this access token');
    authorization.removedShopIds.add(shop.id);
    if (this.authorizedShops(appKey, openId).length === 0) authorization.revoked = true;
  }

  /** The seller revokes the app's grant (every app's when `appKey` is undefined); false if there was none. */
  revoke(openId: string, appKey?: string): boolean {
    let found = false;
    for (const authorization of this.authorizations.values()) {
      if (authorization.openId !== openId || (appKey !== undefined && authorization.appKey !== appKey)) continue;
      authorization.revoked = true;
      found = true;
    }
    return found;
  }

  /** The latest pair of each seller's grant to the app, by open_id. */
  current(appKey: string): Record<string, CurrentTokens> {
    const result: Record<string, CurrentTokens> = {};
    for (const authorization of this.authorizations.values()) {
      if (authorization.appKey !== appKey) continue;
      result[authorization.openId] = {
        access_token: authorization.accessToken,
        refresh_token: authorization.refreshToken,
        access_token_expire_in: authorization.accessExpiresAt,
        refresh_token_expire_in: authorization.refreshExpiresAt,
        revoked: authorization.revoked,
        issued_at_ms: authorization.issuedAtMs,
      };
    }
    return result;
  }

  /** The emulator's record of each access token; null for one it never issued. */
  describeAccessTokens(tokens: readonly string[]): Record<string, AccessTokenView | null> {
    const result: Record<string, AccessTokenView | null> = {};
    for (const token of tokens) {
      const record = this.accessTokens.get(token);
      const authorization = record && this.authorizations.get(grantKey(record.appKey, record.openId));
      result[token] = record
        ? {
            open_id: record.openId,
            app_key: record.appKey,
            issued_at: record.issuedAt,
            expires_at: record.expiresAt,
            revoked: !authorization || authorization.id !== record.authorizationId || authorization.revoked,
          }
        : null;
    }
    return result;
  }

  reset(): void {
    this.codes.clear();
    this.authorizations.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.refreshOwners.clear();
  }

  /**
   * Issues a new pair. Earlier access tokens stay valid until their own expiry; the earlier refresh
   * token stops working. An access token never outlives its authorization.
   */
  private rotate(authorization: AuthorizationRecord): void {
    this.refreshTokens.delete(authorization.refreshToken);
    const accessToken = newAccessToken();
    const refreshToken = newRefreshToken();
    const now = this.clock.nowSeconds();
    authorization.accessToken = accessToken;
    authorization.refreshToken = refreshToken;
    authorization.accessExpiresAt = Math.min(now + this.config.accessTokenTtlSeconds, authorization.refreshExpiresAt);
    authorization.issuedAtMs = Date.now();
    const record = { authorizationId: authorization.id, appKey: authorization.appKey, openId: authorization.openId, issuedAt: now };
    this.accessTokens.set(accessToken, { ...record, expiresAt: authorization.accessExpiresAt });
    this.refreshTokens.set(refreshToken, { ...record, expiresAt: authorization.refreshExpiresAt });
    this.refreshOwners.set(refreshToken, authorization.openId);
    this.stats.recordIssued('access_tokens', accessToken);
    this.stats.recordIssued('refresh_tokens', refreshToken);
  }

  private grant(authorization: AuthorizationRecord, seller: SandboxSeller): TokenGrantData {
    return {
      access_token: authorization.accessToken,
      access_token_expire_in: authorization.accessExpiresAt,
      refresh_token: authorization.refreshToken,
      refresh_token_expire_in: authorization.refreshExpiresAt,
      open_id: seller.open_id,
      seller_name: seller.seller_name,
      seller_base_region: seller.seller_base_region,
      user_type: 0,
      granted_scopes: [...GRANTED_SCOPES],
    };
  }
}

/** TikTok's answer to a code that cannot be exchanged (unknown, used or expired): "invalid auth code". */
function invalidAuthCode(detail: string): SandboxApiError {
  return new SandboxApiError(TikTokCode.InvalidAuthCode, `invalid auth code: ${detail}`);
}

function grantKey(appKey: string, openId: string): string {
  return `${appKey}\n${openId}`;
}
