import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { InvalidationBus } from '../common/cache/invalidation-bus.service';
import { TokenCipher } from '../common/crypto/token-cipher';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { NotificationsService } from '../notifications/notifications.service';
import { TiktokClient } from '../tiktok/tiktok.client';
import { TiktokError } from '../tiktok/tiktok.errors';
import { lockIdleTimeoutMs } from '../tokens/locked-transaction';
import { AuthorizationEventsService } from './authorization-events.service';
import { tokenBinding } from './token-binding';

export type RevocationSource = 'admin' | 'webhook';

export interface RevocationResult {
  shop_id: string;
  status: 'revoked';
  /** True when this was the authorization's last active shop: its tokens are destroyed. */
  authorization_revoked: boolean;
  already_revoked: boolean;
  deauthorized_at_tiktok: boolean;
}

interface LockedShop {
  status: string;
  cipher: string;
  authorization_id: string;
  open_id: string;
  access_token: string | null;
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
    private readonly cipher: TokenCipher,
    private readonly tiktok: TiktokClient,
    private readonly events: AuthorizationEventsService,
    private readonly notifications: NotificationsService,
    private readonly config: AppConfig,
    private readonly bus: InvalidationBus,
  ) {}

  /** Pass `manager` to revoke inside the caller's transaction (a webhook delivery and its effect commit together). */
  async revokeShop(
    shopId: string,
    source: RevocationSource,
    options: { deauthorizeAtTiktok?: boolean; reason?: string } = {},
    manager?: EntityManager,
  ): Promise<RevocationResult> {
    if (!shopId) throw new Error('revokeShop needs a shop id');
    return manager
      ? this.revokeIn(manager, shopId, source, options)
      : this.dataSource.transaction((own) => this.revokeIn(own, shopId, source, options));
  }

  private async revokeIn(
    manager: EntityManager,
    shopId: string,
    source: RevocationSource,
    options: { deauthorizeAtTiktok?: boolean; reason?: string },
  ): Promise<RevocationResult> {
    {
      const [shop] = await manager.query<LockedShop[]>(
        `SELECT s.status, s.cipher, s.authorization_id, a.open_id, a.access_token,
                set_config('idle_in_transaction_session_timeout', $2, true) AS idle_timeout
           FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id
          WHERE s.id = $1 FOR UPDATE OF s, a`,
        [shopId, `${lockIdleTimeoutMs(this.config.tiktok.timeoutMs)}ms`],
      );
      if (!shop) throw new AppError(ErrorCode.ShopNotFound, `no authorized shop ${shopId}`);
      let deauthorized = false;
      if (options.deauthorizeAtTiktok && shop.access_token && shop.status === 'active') {
        const accessToken = this.cipher.decrypt(shop.access_token, tokenBinding(shop.authorization_id, 'access_token'));
        try {
          await this.tiktok.deauthorizeShop(accessToken, shop.cipher);
          deauthorized = true;
        } catch (error) {
          if (!(error instanceof TiktokError)) throw error;
          // Nothing changes locally when TikTok refuses or fails: the admin can retry or revoke locally only.
          throw new AppError(
            ErrorCode.TiktokError,
            `TikTok did not deauthorize the shop (${error.reason}${error.tiktokCode !== undefined ? `, code ${error.tiktokCode}` : ''}); nothing was changed`,
          );
        }
      }
      const alreadyRevoked = shop.status === 'revoked';
      await manager.query(`UPDATE shops SET status = 'revoked', updated_at = now() WHERE id = $1`, [shopId]);
      await this.bus.publish(manager, { kind: 'authorization', id: shop.authorization_id });
      const [{ remaining }] = await manager.query<{ remaining: number }[]>(
        `SELECT count(*)::int AS remaining FROM shops WHERE authorization_id = $1 AND status = 'active'`,
        [shop.authorization_id],
      );
      const base = { authorizationId: shop.authorization_id, openId: shop.open_id };
      await this.events.record(
        { ...base, type: 'shop_revoked', shopId, detail: { source, reason: options.reason ?? null, deauthorized_at_tiktok: deauthorized } },
        manager,
      );
      if (!alreadyRevoked) {
        await this.notifications.statusChanged(manager, {
          status: 'revoked',
          previousStatus: shop.status,
          authorizationId: shop.authorization_id,
          openId: shop.open_id,
          shopIds: [shopId],
          reason: source === 'webhook' ? 'the seller deauthorized the shop' : (options.reason ?? 'revoked'),
        });
      }
      const authorizationRevoked = remaining === 0;
      if (authorizationRevoked) {
        const [changed] = await manager.query<[unknown[], number]>(
          `UPDATE seller_authorizations SET status = 'revoked', access_token = NULL, refresh_token = NULL,
             next_refresh_at = NULL, refresh_claimed_until = NULL, updated_at = now()
           WHERE id = $1 AND (status <> 'revoked' OR access_token IS NOT NULL)
           RETURNING id`,
          [shop.authorization_id],
        );
        if (changed.length > 0) await this.events.record({ ...base, type: 'revoked', detail: { source, last_shop_id: shopId } }, manager);
      }
      this.logger.log(`shop ${shopId} revoked (${source})${authorizationRevoked ? '; authorization revoked, tokens destroyed' : ''}`);
      return {
        shop_id: shopId,
        status: 'revoked',
        authorization_revoked: authorizationRevoked,
        already_revoked: alreadyRevoked,
        deauthorized_at_tiktok: deauthorized,
      };
    }
  }
}
