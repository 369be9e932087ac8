import { Injectable } from '@nestjs/common';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { RevocationResult, RevocationService } from '../shops/revocation.service';
import { AdminEventView, AdminShopView, ShopsQueryService } from '../shops/shops-query.service';
import { TiktokUnavailableError } from '../tokens/shop-tokens.service';
import { TokenRefresher } from '../tokens/token-refresher.service';
import type { ListShopsAdminQueryDto } from './dto/admin-query.dto';

const SHOP_ID = /^[A-Za-z0-9_-]{1,64}$/;

function checkShopId(shopId: string): void {
  if (!SHOP_ID.test(shopId)) throw new AppError(ErrorCode.InvalidRequest, 'shop_id must be 1-64 characters of [A-Za-z0-9_-]');
}

/** Operator actions on shops: inspect, force a refresh through the one engine, revoke. */
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
    checkShopId(shopId);
    return this.query.get(shopId);
  }

  async refresh(shopId: string): Promise<AdminShopView & { refreshed: boolean }> {
    const shop = await this.get(shopId);
    if (shop.status === 'revoked' || shop.status === 'deauthorized') {
      throw new AppError(
        ErrorCode.ReauthorizationRequired,
        'the shop is no longer authorized; only a new consent that includes it restores it',
      );
    }
    const outcome = await this.refresher.refresh({
      authorizationId: shop.authorization_id,
      trigger: 'admin',
      force: true,
      ignoreBackoff: true,
    });
    switch (outcome.kind) {
      case 'token':
        return { ...(await this.query.get(shopId)), refreshed: outcome.refreshed };
      case 'reauthorization_required':
        throw new AppError(
          ErrorCode.ReauthorizationRequired,
          "the seller's authorization is no longer valid; only a new consent restores it",
        );
      case 'unavailable':
        throw new TiktokUnavailableError(outcome.retryAfterSeconds);
      case 'not_found':
        throw new AppError(ErrorCode.ShopNotFound, `no authorized shop ${shopId}`);
    }
  }

  revoke(shopId: string, deauthorizeAtTiktok: boolean): Promise<RevocationResult> {
    checkShopId(shopId);
    return this.revocation.revokeShop(shopId, 'admin', { deauthorizeAtTiktok, reason: 'revoked by an admin' });
  }

  events(shopId: string, page: number, limit: number): Promise<{ events: AdminEventView[]; page: number; limit: number }> {
    checkShopId(shopId);
    return this.query.events(shopId, page, limit);
  }
}
