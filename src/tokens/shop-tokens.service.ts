import { Injectable } from '@nestjs/common';
import { Caller, visibleShopIds, visibleTenantIds } from '../access/caller';
import { TokenCache } from '../cache/token-cache.service';
import { TokenCipher } from '../common/crypto/token-cipher';
import { AppConfig } from '../config/app-config';
import { AuthorizationViewsRepository, ShopGrant } from '../shops/authorization-views.repository';
import { openToken } from '../shops/token-binding';
import type { ShopTokenResponse, ShopView } from './dto/token-query.dto';
import type { RefreshOutcome } from './refresh.types';
import { reauthorizationRequired, refreshFailure, shopNoLongerGranted, shopNotFound, TiktokUnavailableError } from './token.errors';
import { TokenRefresher } from './token-refresher.service';

/**
 * What internal microservices get: a valid access token per shop. The caller has been checked against the shop
 * already (the request pipeline, on either path); every method here takes that shop id.
 */
@Injectable()
export class ShopTokensService {
  constructor(
    private readonly config: AppConfig,
    private readonly views: AuthorizationViewsRepository,
    private readonly cipher: TokenCipher,
    private readonly refresher: TokenRefresher,
    private readonly cache: TokenCache,
  ) {}

  /** A token valid for at least `minTtlSeconds`: from memory, from the database, or refreshed first. */
  async fetchToken(shopId: string, minTtlSeconds = this.config.tokens.minTtlSeconds): Promise<ShopTokenResponse> {
    const generation = this.cache.generation;
    const cached = this.cachedBody(shopId, minTtlSeconds);
    if (cached !== undefined) return JSON.parse(cached) as ShopTokenResponse;
    const neededUntil = new Date(Date.now() + minTtlSeconds * 1000);
    const grant = await this.grantedShop(shopId);
    const { accessToken, accessTokenExpiresAt } = grant.authorization;
    if (accessToken && accessTokenExpiresAt && accessTokenExpiresAt >= neededUntil) {
      return this.response(
        grant,
        openToken(this.cipher, grant.authorization.id, 'access_token', accessToken),
        accessTokenExpiresAt,
        generation,
      );
    }
    const outcome = await this.refresher.refresh({ authorizationId: grant.authorization.id, trigger: 'api', neededUntil });
    return this.fromOutcome(grant, outcome, generation);
  }

  /**
   * The hot path, synchronous: the JSON answer of a token this replica served before (serialized when it was
   * cached), still valid for min_ttl and not invalidated since. Undefined whenever the database must answer.
   */
  cachedBody(shopId: string, minTtlSeconds: number): string | undefined {
    const cached = this.cache.getToken(shopId);
    if (!cached || cached.expiresAtMs < Date.now() + minTtlSeconds * 1000) return undefined;
    return cached.body;
  }

  /** For a caller whose TikTok call was just refused with 105002: a new token unless one was just issued. */
  async forceRefresh(shopId: string): Promise<ShopTokenResponse> {
    const generation = this.cache.generation;
    const grant = await this.grantedShop(shopId);
    return this.fromOutcome(
      grant,
      await this.refresher.refresh({ authorizationId: grant.authorization.id, trigger: 'forced', force: 'unless_recent' }),
      generation,
    );
  }

  /** The shops the caller may see, in id order; `tenantId`: only that tenant's (of those). */
  async listShops(
    caller: Caller,
    limit = 1000,
    after?: string,
    tenantId?: string,
  ): Promise<{ shops: ShopView[]; next_after: string | null }> {
    const tenantIds = visibleTenantIds(caller);
    const onlyTenants = tenantId === undefined ? tenantIds : tenantIds === null || tenantIds.includes(tenantId) ? [tenantId] : [];
    const rows =
      onlyTenants?.length === 0
        ? []
        : await this.views.shopGrants({ shopIds: visibleShopIds(caller), tenantIds: onlyTenants }, after, limit);
    return {
      shops: rows.map(({ shop, authorization, viewStatus }) => ({
        shop_id: shop.id,
        tenant_id: authorization.tenantId,
        shop_name: shop.name,
        region: shop.region,
        shop_cipher: shop.cipher,
        status: viewStatus,
        open_id: authorization.openId,
        seller_name: authorization.sellerName,
        access_token_expires_at: authorization.accessTokenExpiresAt?.toISOString() ?? null,
        authorization_expires_at: authorization.endsAt?.toISOString() ?? null,
      })),
      next_after: rows.length === limit ? rows[rows.length - 1].shop.id : null,
    };
  }

  /** The shop, if it is still granted by an active authorization. */
  private async grantedShop(shopId: string): Promise<ShopGrant> {
    const grant = await this.views.shopGrant(shopId);
    if (!grant) throw shopNotFound(shopId);
    if (grant.shop.status !== 'active') throw shopNoLongerGranted();
    if (grant.authorization.status !== 'active') throw reauthorizationRequired();
    return grant;
  }

  private fromOutcome(grant: ShopGrant, outcome: RefreshOutcome, generation: number): ShopTokenResponse {
    if (outcome.kind !== 'token') throw refreshFailure(outcome, grant.shop.id);
    // A token TikTok issued with less life than min_ttl is still the freshest there is.
    if (outcome.accessTokenExpiresAt.getTime() <= Date.now()) throw new TiktokUnavailableError(this.config.refresh.backoffBaseSeconds);
    return this.response(grant, outcome.accessToken, outcome.accessTokenExpiresAt, generation);
  }

  private response({ shop, authorization }: ShopGrant, accessToken: string, expiresAt: Date, generation: number): ShopTokenResponse {
    const answer: ShopTokenResponse = {
      shop_id: shop.id,
      shop_cipher: shop.cipher,
      access_token: accessToken,
      expires_at: expiresAt.toISOString(),
      open_id: authorization.openId,
      seller_name: authorization.sellerName,
      region: shop.region,
      tenant_id: authorization.tenantId,
    };
    this.cache.setToken(
      { authorizationId: authorization.id, shopId: shop.id, expiresAtMs: expiresAt.getTime(), body: JSON.stringify(answer) },
      generation,
    );
    return answer;
  }
}
