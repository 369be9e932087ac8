import { Injectable } from '@nestjs/common';
import { Caller, requestedShop, visibleShopIds, visibleTenantIds } from '../access/caller';
import { ShopOwners } from '../access/shop-owners';
import { TokenCache } from '../cache/token-cache.service';
import { TokenCipher } from '../common/crypto/token-cipher';
import { appFilter } from '../common/http/apps';
import { AppConfig } from '../config/app-config';
import { TiktokApps } from '../config/tiktok-apps';
import { AuthorizationViewsRepository, ShopGrant } from '../shops/authorization-views.repository';
import { ShopApps, shopNotFound } from '../shops/shop-apps';
import { openToken } from '../shops/token-binding';
import type { ShopTokenResponse, ShopView } from './dto/token-query.dto';
import type { RefreshOutcome } from './refresh.types';
import { reauthorizationRequired, refreshFailure, shopNoLongerGranted, TiktokUnavailableError } from './token.errors';
import { TokenRefresher } from './token-refresher.service';

/** What a token request names: the shop id, and the app (`?app=`, an app id; undefined: none named). */
export interface ShopRequest {
  shopId: string;
  appId?: unknown;
}

/**
 * What internal microservices get: a valid access token per shop. The caller has been checked against the shop
 * already (the request pipeline, on either path); every method here takes that shop id, and the app the
 * request names. A shop id may be granted to several apps (one shop row, and one token, per app): a request
 * naming none means the only row the caller may see, and is 400 `app_required` when there are several. With
 * one app configured that row is always the default app's, known without reading anything.
 */
@Injectable()
export class ShopTokensService {
  constructor(
    private readonly config: AppConfig,
    private readonly apps: TiktokApps,
    private readonly views: AuthorizationViewsRepository,
    private readonly cipher: TokenCipher,
    private readonly refresher: TokenRefresher,
    private readonly cache: TokenCache,
    private readonly owners: ShopOwners,
    private readonly shopApps: ShopApps,
  ) {}

  /** A token valid for at least `minTtlSeconds`: from memory, from the database, or refreshed first. */
  async fetchToken(caller: Caller, shop: ShopRequest, minTtlSeconds = this.config.tokens.minTtlSeconds): Promise<ShopTokenResponse> {
    const generation = this.cache.generation;
    const { shopId } = shop;
    // Known without the database (always, with one app): no wait before the cache answers.
    const appKey = this.cachedAppKey(caller, shop) ?? (await this.appKeyOf(caller, shop));
    const cached = this.cachedBody(shopId, appKey, minTtlSeconds);
    if (cached !== undefined) return JSON.parse(cached) as ShopTokenResponse;
    const neededUntil = new Date(Date.now() + minTtlSeconds * 1000);
    const grant = await this.grantedShop(shopId, appKey);
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
  cachedBody(shopId: string, appKey: string, minTtlSeconds: number): string | undefined {
    const cached = this.cache.getToken(shopId, appKey);
    if (!cached || cached.expiresAtMs < Date.now() + minTtlSeconds * 1000) return undefined;
    return cached.body;
  }

  /**
   * The app key of the shop row a request means, when this replica knows it without the database: the named
   * app's, the one app's when only one is configured, else that of the only row the caller may see among the
   * shop id's owners held in memory. Undefined whenever the database must answer, or the full path must refuse
   * (an unknown app, app_required).
   */
  cachedAppKey(caller: Caller, shop: ShopRequest): string | undefined {
    if (shop.appId !== undefined) return typeof shop.appId === 'string' ? this.apps.keyOf(shop.appId) : undefined;
    if (!this.apps.several) return this.apps.default.appKey;
    const owners = this.owners.cached(shop.shopId);
    const requested = owners && requestedShop(caller, owners);
    return requested?.kind === 'one' ? requested.owner.appKey : undefined;
  }

  /** For a caller whose TikTok call was just refused with 105002: a new token unless one was just issued. */
  async forceRefresh(caller: Caller, shop: ShopRequest): Promise<ShopTokenResponse> {
    const generation = this.cache.generation;
    const grant = await this.grantedShop(shop.shopId, await this.appKeyOf(caller, shop));
    return this.fromOutcome(
      grant,
      await this.refresher.refresh({ authorizationId: grant.authorization.id, trigger: 'forced', force: 'unless_recent' }),
      generation,
    );
  }

  /**
   * The shops the caller may see, in id order (a shop id granted to several apps once per app); `tenantId`:
   * only that tenant's (of those); `appId`: only that app's (400 `unknown_app` for an app not configured).
   */
  async listShops(
    caller: Caller,
    query: { limit?: number; after?: string; tenantId?: string; appId?: unknown } = {},
  ): Promise<{ shops: ShopView[]; next_after: string | null }> {
    const { limit = 1000, after, tenantId } = query;
    const appKey = appFilter(this.apps, query.appId);
    const tenantIds = visibleTenantIds(caller);
    const onlyTenants = tenantId === undefined ? tenantIds : tenantIds === null || tenantIds.includes(tenantId) ? [tenantId] : [];
    const rows =
      onlyTenants?.length === 0
        ? []
        : await this.views.shopGrants({ shopIds: visibleShopIds(caller), tenantIds: onlyTenants }, { after, appKey }, limit);
    return {
      shops: rows.map(({ shop, authorization, viewStatus }) => ({
        shop_id: shop.id,
        app: this.apps.idOf(shop.appKey),
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
      // A full page may hold more rows than `limit`: every app's row of its last shop id.
      next_after: rows.length >= limit ? rows[rows.length - 1].shop.id : null,
    };
  }

  /**
   * The app key a request means: the named app's (400 `unknown_app`), the one app's with one configured, else
   * that of the only row of the shop id the caller may see: 400 `app_required` (listing the apps) when it may
   * see several, 404 `shop_not_found` when none.
   */
  private appKeyOf(caller: Caller, shop: ShopRequest): Promise<string> {
    return this.shopApps.appKeyOf(shop.shopId, shop.appId, caller);
  }

  /** The shop in the app `appKey`, if it is still granted by an active authorization. */
  private async grantedShop(shopId: string, appKey: string): Promise<ShopGrant> {
    const grant = await this.views.shopGrant(shopId, appKey);
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
      app: this.apps.idOf(shop.appKey),
      shop_cipher: shop.cipher,
      access_token: accessToken,
      expires_at: expiresAt.toISOString(),
      open_id: authorization.openId,
      seller_name: authorization.sellerName,
      region: shop.region,
      tenant_id: authorization.tenantId,
    };
    this.cache.setToken(
      {
        authorizationId: authorization.id,
        shopId: shop.id,
        appKey: shop.appKey,
        expiresAtMs: expiresAt.getTime(),
        body: JSON.stringify(answer),
      },
      generation,
    );
    return answer;
  }
}
