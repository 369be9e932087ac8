import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { RevocationResult, RevocationService } from '../shops/revocation.service';
import { AdminEventView, AdminShopView, ShopsQueryService } from '../shops/shops-query.service';
import type { RefreshOutcome } from '../tokens/refresh.types';
import { refreshFailure } from '../tokens/token.errors';
import { TokenRefresher } from '../tokens/token-refresher.service';
import type { ListShopsAdminQueryDto } from './dto/admin-query.dto';

/**
 * Operator actions on shops: inspect, refresh at TikTok through the one engine (always, see the controller), revoke. Shop ids come validated
 * (ShopIdParam); `actorKeyId` (the acting key, access's actorKeyId) goes to the audit log with each action.
 */
@Injectable()
export class AdminShopsService {
  constructor(
    private readonly query: ShopsQueryService,
    private readonly refresher: TokenRefresher,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  list(query: ListShopsAdminQueryDto): Promise<{ shops: AdminShopView[]; page: number; limit: number; total: number }> {
    return this.query.list(
      { status: query.status, region: query.region, tenantId: query.tenant_id, app: query.app },
      query.page ?? 1,
      query.limit ?? 50,
    );
  }

  /** `app`: the app id the request names, if any (see ShopsQueryService.appKeyOf). */
  get(shopId: string, app: string | undefined): Promise<AdminShopView> {
    return this.query.get(shopId, app);
  }

  /**
   * Audited once TikTok was asked (or the engine declined): the refresh commits on its own, with its event in
   * the shop's log, and its audit record follows with the outcome.
   */
  async refresh(shopId: string, app: string | undefined, actorKeyId: string): Promise<AdminShopView & { refreshed: boolean }> {
    const shop = await this.query.get(shopId, app);
    if (shop.status === 'revoked' || shop.status === 'deauthorized') {
      throw new AppError(
        ErrorCode.ReauthorizationRequired,
        'the shop is no longer authorized; only a new consent that includes it restores it',
      );
    }
    const outcome = await this.refresher.refresh({
      authorizationId: shop.authorization_id,
      trigger: 'admin',
      force: 'always',
      ignoreBackoff: true,
    });
    await this.audit.record(actorKeyId, 'shop_refresh_forced', shopId, {
      app: shop.app,
      authorization_id: shop.authorization_id,
      outcome: auditedOutcome(outcome),
    });
    if (outcome.kind === 'token') return { ...(await this.query.get(shopId, shop.app)), refreshed: outcome.refreshed };
    if (outcome.kind === 'reauthorization_required') {
      throw new AppError(
        ErrorCode.ReauthorizationRequired,
        "the seller's authorization is no longer valid; only a new consent restores it",
      );
    }
    throw refreshFailure(outcome, shopId);
  }

  /**
   * The revocation of the shop of one app and its audit record commit together; nothing is recorded when nothing
   * changed (404, TikTok refused).
   */
  async revoke(shopId: string, app: string | undefined, deauthorizeAtTiktok: boolean, actorKeyId: string): Promise<RevocationResult> {
    const appKey = await this.query.appKeyOf(shopId, app);
    return this.dataSource.transaction(async (manager) => {
      const result = await this.revocation.revokeShop(
        shopId,
        appKey,
        'admin',
        { deauthorizeAtTiktok, reason: 'revoked by an admin' },
        manager,
      );
      await this.audit.record(
        actorKeyId,
        'shop_revoked',
        shopId,
        {
          app: result.app,
          deauthorize: deauthorizeAtTiktok,
          already_revoked: result.already_revoked,
          authorization_revoked: result.authorization_revoked,
          deauthorized_at_tiktok: result.deauthorized_at_tiktok,
        },
        manager,
      );
      return result;
    });
  }

  events(
    shopId: string,
    app: string | undefined,
    page: number,
    limit: number,
  ): Promise<{ events: AdminEventView[]; page: number; limit: number }> {
    return this.query.listEvents(shopId, app, page, limit);
  }
}

function auditedOutcome(outcome: RefreshOutcome): string {
  switch (outcome.kind) {
    case 'token':
      return outcome.refreshed ? 'refreshed' : 'not_refreshed';
    case 'reauthorization_required':
      return 'reauthorization_required';
    case 'unavailable':
      return 'tiktok_unavailable';
    case 'not_found':
      return 'shop_not_found';
  }
}
