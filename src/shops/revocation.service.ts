import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { TokenCipher } from '../common/crypto/token-cipher';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { TiktokApps } from '../config/tiktok-apps';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { lockIdleTimeoutMs } from '../database/row-lock';
import { NotificationsService } from '../notifications/notifications.service';
import { TiktokClient } from '../tiktok/tiktok.client';
import { TiktokError } from '../tiktok/tiktok.errors';
import { AuthorizationEventsRepository } from './authorization-events.repository';
import { AuthorizationsRepository, LockedShop } from './authorizations.repository';
import type { SellerAuthorization } from './entities/seller-authorization.entity';
import { openToken } from './token-binding';

export type RevocationSource = 'admin' | 'webhook';

export interface RevocationResult {
  shop_id: string;
  /** The app the shop was granted to (its id): only that app's shop is revoked. */
  app: string;
  status: 'revoked';
  /** True when this was the authorization's last active shop: its tokens are destroyed. */
  authorization_revoked: boolean;
  already_revoked: boolean;
  deauthorized_at_tiktok: boolean;
}

export interface RevocationOptions {
  deauthorizeAtTiktok?: boolean;
  reason?: string;
}

/**
 * Revokes a shop locally (an admin's decision, or the seller's deauthorization reported by TikTok). The
 * shop stops getting tokens at once (409 on the token API); once no shop of the authorization remains, the
 * authorization is revoked too and its tokens are destroyed. A new consent restores everything.
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly authorizations: AuthorizationsRepository,
    private readonly cipher: TokenCipher,
    private readonly tiktok: TiktokClient,
    private readonly events: AuthorizationEventsRepository,
    private readonly notifications: NotificationsService,
    private readonly config: AppConfig,
    private readonly apps: TiktokApps,
    private readonly bus: InvalidationBus,
  ) {}

  /**
   * Revokes the shop `shopId` of the app `appKey` (a shop id is unique per app; the same shop granted to another
   * app is left alone). Pass `manager` to revoke inside the caller's transaction (a webhook delivery and its
   * effect commit together).
   */
  async revokeShop(
    shopId: string,
    appKey: string,
    source: RevocationSource,
    options: RevocationOptions = {},
    manager?: EntityManager,
  ): Promise<RevocationResult> {
    return manager
      ? this.revokeIn(manager, shopId, appKey, source, options)
      : this.dataSource.transaction((own) => this.revokeIn(own, shopId, appKey, source, options));
  }

  private async revokeIn(
    manager: EntityManager,
    shopId: string,
    appKey: string,
    source: RevocationSource,
    options: RevocationOptions,
  ): Promise<RevocationResult> {
    const locked = await this.authorizations.lockShop(manager, shopId, appKey, lockIdleTimeoutMs(this.config.tiktok.timeoutMs));
    if (!locked) throw new AppError(ErrorCode.ShopNotFound, `no authorized shop ${shopId}`);
    const { shop, authorization } = locked;
    const deauthorized = options.deauthorizeAtTiktok ? await this.deauthorizeAtTiktok(locked) : false;
    const alreadyRevoked = shop.status === 'revoked';
    await this.authorizations.revokeShop(manager, shopId, appKey);
    await this.bus.publish(manager, { kind: 'authorization', id: shop.authorizationId });
    const remaining = await this.authorizations.activeShopIds(manager, shop.authorizationId);
    const base = { authorizationId: shop.authorizationId, openId: authorization.openId };
    await this.events.record(
      { ...base, type: 'shop_revoked', shopId, detail: { source, reason: options.reason ?? null, deauthorized_at_tiktok: deauthorized } },
      manager,
    );
    if (!alreadyRevoked) {
      await this.notifications.statusChanged(manager, {
        status: 'revoked',
        previousStatus: shop.status,
        authorizationId: shop.authorizationId,
        appKey: authorization.appKey,
        tenantId: authorization.tenantId,
        openId: authorization.openId,
        shopIds: [shopId],
        reason: source === 'webhook' ? 'the seller deauthorized the shop' : (options.reason ?? 'revoked'),
      });
    }
    const authorizationRevoked = remaining.length === 0;
    if (authorizationRevoked && (await this.authorizations.revokeAuthorization(manager, shop.authorizationId))) {
      await this.events.record({ ...base, type: 'revoked', detail: { source, last_shop_id: shopId } }, manager);
    }
    this.logger.log(
      `shop ${shopId} of app ${this.apps.idOf(appKey)} revoked (${source})${authorizationRevoked ? '; authorization revoked, tokens destroyed' : ''}`,
    );
    return {
      shop_id: shopId,
      app: this.apps.idOf(authorization.appKey),
      status: 'revoked',
      authorization_revoked: authorizationRevoked,
      already_revoked: alreadyRevoked,
      deauthorized_at_tiktok: deauthorized,
    };
  }

  /**
   * Revokes an authorization no shop's revocation would end (it has no granted shop left), its tokens destroyed,
   * in the caller's transaction with the row locked; false when that was already so. An offboarding's end for
   * such authorizations.
   */
  async revokeAuthorization(
    manager: EntityManager,
    authorization: Pick<SellerAuthorization, 'id' | 'appKey' | 'openId' | 'tenantId' | 'status'>,
    reason: string,
  ): Promise<boolean> {
    if (!(await this.authorizations.revokeAuthorization(manager, authorization.id))) return false;
    await this.bus.publish(manager, { kind: 'authorization', id: authorization.id });
    await this.events.record(
      { authorizationId: authorization.id, openId: authorization.openId, type: 'revoked', detail: { source: 'admin', reason } },
      manager,
    );
    if (authorization.status !== 'revoked') {
      await this.notifications.statusChanged(manager, {
        status: 'revoked',
        previousStatus: authorization.status,
        authorizationId: authorization.id,
        appKey: authorization.appKey,
        tenantId: authorization.tenantId,
        openId: authorization.openId,
        shopIds: [],
        reason,
      });
    }
    this.logger.log(`authorization ${authorization.id} revoked (admin); tokens destroyed`);
    return true;
  }

  /** TikTok's deauthorize for a shop that still has a token; nothing changes locally when TikTok refuses or fails. */
  private async deauthorizeAtTiktok({ shop, authorization }: LockedShop): Promise<boolean> {
    if (!authorization.accessToken || shop.status !== 'active') return false;
    try {
      await this.tiktok.deauthorizeShop(
        this.apps.requireKey(authorization.appKey),
        openToken(this.cipher, shop.authorizationId, 'access_token', authorization.accessToken),
        shop.cipher,
      );
      return true;
    } catch (error) {
      if (!(error instanceof TiktokError)) throw error;
      // The admin can retry, or revoke locally only.
      throw new AppError(
        ErrorCode.TiktokError,
        `TikTok did not deauthorize the shop (${error.reason}${error.tiktokCode !== undefined ? `, code ${error.tiktokCode}` : ''}); nothing was changed`,
      );
    }
  }
}
