import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthorizationEventsService } from '../shops/authorization-events.service';
import { EXPIRING_WINDOW_SQL } from '../shops/derived-status';
import { activeShopIds } from '../shops/shop-ids';
import { RevocationService } from '../shops/revocation.service';
import { parseExpirationTime, SELLER_DEAUTHORIZATION, UPCOMING_AUTHORIZATION_EXPIRATION, WebhookEnvelope } from './webhook-envelope';

/** What a delivery did; stored in webhook_deliveries.outcome. */
export type WebhookOutcome = 'revoked' | 'expiring' | 'unknown_shop' | 'ignored' | 'invalid_data' | 'stale';
/** `duplicate`: TikTok sent this notification before; nothing was done this time. */
export type DeliveryResult = WebhookOutcome | 'duplicate';

interface ExpiringAuthorization {
  id: string;
  open_id: string;
}

/**
 * Applies each TikTok notification once. The delivery row is inserted first, in the transaction
 * that applies the effect: INSERT ... ON CONFLICT DO NOTHING makes a concurrent duplicate wait for the first
 * delivery's transaction and then find the row (nothing to do), or, if that transaction failed, apply the
 * notification itself. A delivery is never recorded without its effect.
 */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly revocation: RevocationService,
    private readonly events: AuthorizationEventsService,
    private readonly notifications: NotificationsService,
    private readonly metrics: MetricsService,
  ) {}

  async process(envelope: WebhookEnvelope): Promise<DeliveryResult> {
    const result = await this.dataSource.transaction((manager) => this.claimAndApply(manager, envelope));
    this.metrics.webhookEvents.inc({ type: String(envelope.type), outcome: result });
    return result;
  }

  private async claimAndApply(manager: EntityManager, envelope: WebhookEnvelope): Promise<DeliveryResult> {
    const claimed = await manager.query<unknown[]>(
      `INSERT INTO webhook_deliveries (notification_id, type, shop_id, outcome) VALUES ($1, $2, $3, 'pending')
       ON CONFLICT (notification_id) DO NOTHING
       RETURNING notification_id`,
      [envelope.notificationId, envelope.type, envelope.shopId],
    );
    if (claimed.length === 0) return 'duplicate';
    const outcome = await this.apply(manager, envelope);
    await manager.query('UPDATE webhook_deliveries SET outcome = $2 WHERE notification_id = $1', [envelope.notificationId, outcome]);
    return outcome;
  }

  private apply(manager: EntityManager, envelope: WebhookEnvelope): Promise<WebhookOutcome> {
    switch (envelope.type) {
      case SELLER_DEAUTHORIZATION:
        return envelope.shopId ? this.revokeShop(manager, envelope) : Promise.resolve('invalid_data');
      case UPCOMING_AUTHORIZATION_EXPIRATION:
        return this.recordExpiration(manager, envelope);
      default:
        return Promise.resolve('ignored');
    }
  }

  /** In this delivery's transaction: the revocation and the delivery record commit together. */
  private async revokeShop(manager: EntityManager, envelope: WebhookEnvelope): Promise<WebhookOutcome> {
    const shopId = envelope.shopId as string;
    if (await this.olderThanLatestConsent(manager, shopId, envelope.timestamp)) return 'stale';
    try {
      await this.revocation.revokeShop(shopId, 'webhook', { reason: 'seller_deauthorized' }, manager);
      return 'revoked';
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.ShopNotFound) return 'unknown_shop';
      throw error;
    }
  }

  private async recordExpiration(manager: EntityManager, envelope: WebhookEnvelope): Promise<WebhookOutcome> {
    const seconds = parseExpirationTime(envelope.data);
    const shopId = envelope.shopId;
    if (seconds === null || !shopId) return 'invalid_data';
    if (await this.olderThanLatestConsent(manager, shopId, envelope.timestamp)) return 'stale';
    // Only a granted shop of an active authorization can be expiring; TikTok repeats the notice daily, so
    // other systems hear about it once, and only when the end is within the 30 days that make it `expiring`.
    const [updated] = await manager.query<[(ExpiringAuthorization & { announce: boolean })[], number]>(
      `UPDATE seller_authorizations a SET reported_expires_at = to_timestamp($2), updated_at = now(),
              expiring_notified_at = CASE WHEN a.expiring_notified_at IS NULL AND to_timestamp($2) < now() + ${EXPIRING_WINDOW_SQL}
                                          THEN now() ELSE a.expiring_notified_at END
         FROM shops s, (SELECT expiring_notified_at AS before FROM seller_authorizations x
                          JOIN shops y ON y.authorization_id = x.id WHERE y.id = $1 FOR UPDATE OF x) previous
        WHERE s.id = $1 AND a.id = s.authorization_id AND s.status = 'active' AND a.status = 'active'
        RETURNING a.id, a.open_id, (previous.before IS NULL AND a.expiring_notified_at IS NOT NULL) AS announce`,
      [shopId, seconds],
    );
    const [authorization] = updated;
    if (!authorization) return 'unknown_shop';
    if (authorization.announce) {
      await this.notifications.statusChanged(manager, {
        status: 'expiring',
        previousStatus: 'active',
        authorizationId: authorization.id,
        openId: authorization.open_id,
        shopIds: await activeShopIds(manager, authorization.id),
        reason: `TikTok announced the end of the authorization at ${new Date(seconds * 1000).toISOString()}`,
      });
    }
    await this.events.record(
      {
        type: 'expiration_notice',
        authorizationId: authorization.id,
        openId: authorization.open_id,
        shopId,
        detail: { expiration_time: new Date(seconds * 1000).toISOString() },
      },
      manager,
    );
    return 'expiring';
  }

  /**
   * A notification TikTok emitted before the seller's latest consent (a late retry) must not undo that
   * consent; 30 s of slack absorbs clock skew between TikTok and this service.
   */
  private async olderThanLatestConsent(manager: EntityManager, shopId: string, timestamp: number | null): Promise<boolean> {
    if (timestamp === null) return false;
    const rows = await manager.query<unknown[]>(
      `SELECT 1 FROM shops s JOIN seller_authorizations a ON a.id = s.authorization_id
        WHERE s.id = $1 AND a.last_granted_at > to_timestamp($2) + interval '30 seconds'`,
      [shopId, timestamp],
    );
    return rows.length > 0;
  }
}
