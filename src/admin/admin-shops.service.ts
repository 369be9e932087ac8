import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { RevocationResult, RevocationService } from '../shops/revocation.service';
import { AdminEventView, AdminShopView, ShopsQueryService } from '../shops/shops-query.service';
import { refreshFailure } from '../tokens/token.errors';
import { TokenRefresher } from '../tokens/token-refresher.service';
import type { ListShopsAdminQueryDto } from './dto/admin-query.dto';

/** Operator actions on shops: inspect, refresh at TikTok through the one engine, revoke. Shop ids come validated (ShopIdParam). */
@Injectable()
export class AdminShopsService {
  constructor(
    private readonly query: ShopsQueryService,
    private readonly refresher: TokenRefresher,
    private readonly revocation: RevocationService,
  ) {}

  list(query: ListShopsAdminQueryDto): Promise<{ shops: AdminShopView[]; page: number; limit: number; total: number }> {
    return this.query.list({ status: query.status, region: query.region }, query.page ?? 1, query.limit ?? 50);
  }

  get(shopId: string): Promise<AdminShopView> {
    return this.query.get(shopId);
  }

  async refresh(shopId: string): Promise<AdminShopView & { refreshed: boolean }> {
    const shop = await this.query.get(shopId);
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
    if (outcome.kind === 'token') return { ...(await this.query.get(shopId)), refreshed: outcome.refreshed };
    if (outcome.kind === 'reauthorization_required') {
      throw new AppError(
        ErrorCode.ReauthorizationRequired,
        "the seller's authorization is no longer valid; only a new consent restores it",
      );
    }
    throw refreshFailure(outcome, shopId);
  }

  revoke(shopId: string, deauthorizeAtTiktok: boolean): Promise<RevocationResult> {
    return this.revocation.revokeShop(shopId, 'admin', { deauthorizeAtTiktok, reason: 'revoked by an admin' });
  }

  events(shopId: string, page: number, limit: number): Promise<{ events: AdminEventView[]; page: number; limit: number }> {
    return this.query.listEvents(shopId, page, limit);
  }
}
