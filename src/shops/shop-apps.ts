import { Injectable } from '@nestjs/common';
import { Caller, requestedShop } from '../access/caller';
import { ShopOwner, ShopOwners } from '../access/shop-owners';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { appRequired, requireApp } from '../common/http/apps';
import { TiktokApps } from '../config/tiktok-apps';

/** 404 `shop_not_found`: the token API's and the admin shop routes' answer for a shop id no app holds. */
export function shopNotFound(shopId: string): AppError {
  return new AppError(ErrorCode.ShopNotFound, `no authorized shop ${shopId}`);
}

/** The caller an admin route resolves shops for: it sees every row. */
const ADMIN: Caller = { kind: 'admin' };

/**
 * Which app's row of a shop id a route means (a shop id is unique per app), for the token API and the admin
 * shop routes alike: the named app's (400 `unknown_app`), the one app's with one configured (no query), else
 * that of the only row the caller may see, preferring rows still granted (an app's revoked row does not make a
 * shop ambiguous); 400 `app_required` (listing the apps in TIKTOK_APPS order) when it may see several, 404
 * `shop_not_found` when none.
 */
@Injectable()
export class ShopApps {
  constructor(
    private readonly apps: TiktokApps,
    private readonly owners: ShopOwners,
  ) {}

  async appKeyOf(shopId: string, appId: unknown, caller: Caller = ADMIN): Promise<string> {
    if (appId !== undefined) return requireApp(this.apps, appId).appKey;
    if (!this.apps.several) return this.apps.default.appKey;
    const requested = requestedShop(caller, await this.owners.find(shopId));
    switch (requested.kind) {
      case 'one':
        return requested.owner.appKey;
      case 'several':
        throw appRequired(shopId, this.appIdsOf(requested.owners));
      case 'none':
        throw shopNotFound(shopId);
    }
  }

  /** The ids of the apps of these rows, in the order TIKTOK_APPS lists them. */
  private appIdsOf(owners: readonly ShopOwner[]): string[] {
    const keys = new Set(owners.map((owner) => owner.appKey));
    return this.apps.all.filter((app) => keys.has(app.appKey)).map((app) => app.id);
  }
}
