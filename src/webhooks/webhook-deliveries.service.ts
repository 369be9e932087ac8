import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import type { TiktokApp } from '../config/tiktok-apps';
import { MetricsService } from '../metrics/metrics.service';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthorizationEventsRepository } from '../shops/authorization-events.repository';
import { AuthorizationsRepository } from '../shops/authorizations.repository';
import { RevocationService } from '../shops/revocation.service';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import {
  parseExpirationTime,
  SELLER_DEAUTHORIZATION,
  UPCOMING_AUTHORIZATION_EXPIRATION,
  WebhookEnvelope,
  webhookTypeLabel,
} from './webhook-envelope';
import { WebhookTimestampProblem, webhookTimestampProblem } from './webhook-window';

/**
 * What a delivery did; stored in webhook_deliveries.outcome. `outside_window`: its timestamp is older than
 * RETENTION_WEBHOOKS_DAYS or too far ahead (webhook-window.ts), so it was acknowledged and not applied.
 */
export type WebhookOutcome = 'revoked' | 'expiring' | 'unknown_shop' | 'ignored' | 'invalid_data' | 'stale' | 'outside_window';
/** `duplicate`: TikTok sent this notification before; nothing was done this time. */
export type DeliveryResult = WebhookOutcome | 'duplicate';

/**
 * Applies each TikTok notification once. The delivery row is inserted first, in the transaction
 * that applies the effect: INSERT ... ON CONFLICT DO NOTHING makes a concurrent duplicate wait for the first
 * delivery's transaction and then find the row (nothing to do), or, if that transaction failed, apply the
 * notification itself. A delivery is never recorded without its effect. Each delivery is for one app (the
 * route it came to, whose credentials signed it): it is recorded with that app's key and only that app's shop
 * and authorization are touched, though another app may hold the same shop id.
 */
@Injectable()
export class WebhookDeliveriesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly deliveries: WebhookDeliveriesRepository,
    private readonly authorizations: AuthorizationsRepository,
    private readonly revocation: RevocationService,
    private readonly events: AuthorizationEventsRepository,
    private readonly notifications: NotificationsService,
    private readonly metrics: MetricsService,
  ) {}

  async process(app: TiktokApp, envelope: WebhookEnvelope): Promise<DeliveryResult> {
    const result = await this.dataSource.transaction((manager) => this.claimAndApply(manager, app, envelope));
    this.metrics.webhookEvents.inc({ type: webhookTypeLabel(envelope.type), outcome: result, app: app.id });
    return result;
  }

  private async claimAndApply(manager: EntityManager, app: TiktokApp, envelope: WebhookEnvelope): Promise<DeliveryResult> {
    const { appKey } = app;
    const fresh = await this.deliveries.claim(manager, {
      notificationId: envelope.notificationId,
      type: envelope.type,
      shopId: envelope.shopId,
      appKey,
    });
    if (!fresh) return 'duplicate';
    // Judged after the claim: a replay sent again and again records one event, then counts as a duplicate.
    const problem = webhookTimestampProblem(envelope.timestamp, Date.now(), this.config.retention.webhooksDays);
    const outcome = problem ? await this.ignoreOutsideWindow(manager, app, envelope, problem) : await this.apply(manager, appKey, envelope);
    await this.deliveries.setOutcome(manager, envelope.notificationId, outcome);
    return outcome;
  }

  /** A notification whose timestamp is outside the window is recorded, never applied. */
  private async ignoreOutsideWindow(
    manager: EntityManager,
    app: TiktokApp,
    envelope: WebhookEnvelope,
    reason: WebhookTimestampProblem,
  ): Promise<WebhookOutcome> {
    await this.events.record(
      {
        type: 'webhook_ignored',
        shopId: envelope.shopId,
        detail: { reason, type: envelope.type, notification_id: envelope.notificationId, timestamp: envelope.timestamp, app: app.id },
      },
      manager,
    );
    return 'outside_window';
  }

  private apply(manager: EntityManager, appKey: string, envelope: WebhookEnvelope): Promise<WebhookOutcome> {
    switch (envelope.type) {
      case SELLER_DEAUTHORIZATION:
        return envelope.shopId ? this.revokeShop(manager, appKey, envelope) : Promise.resolve('invalid_data');
      case UPCOMING_AUTHORIZATION_EXPIRATION:
        return this.recordExpiration(manager, appKey, envelope);
      default:
        return Promise.resolve('ignored');
    }
  }

  /** In this delivery's transaction: the revocation and the delivery record commit together. */
  private async revokeShop(manager: EntityManager, appKey: string, envelope: WebhookEnvelope): Promise<WebhookOutcome> {
    const shopId = envelope.shopId as string;
    if (await this.olderThanLatestConsent(manager, appKey, shopId, envelope.timestamp)) return 'stale';
    try {
      await this.revocation.revokeShop(shopId, appKey, 'webhook', { reason: 'seller_deauthorized' }, manager);
      return 'revoked';
    } catch (error) {
      if (error instanceof AppError && error.code === ErrorCode.ShopNotFound) return 'unknown_shop';
      throw error;
    }
  }

  private async recordExpiration(manager: EntityManager, appKey: string, envelope: WebhookEnvelope): Promise<WebhookOutcome> {
    const seconds = parseExpirationTime(envelope.data);
    const shopId = envelope.shopId;
    if (seconds === null || !shopId) return 'invalid_data';
    if (await this.olderThanLatestConsent(manager, appKey, shopId, envelope.timestamp)) return 'stale';
    // Only a granted shop of an active authorization can be expiring; TikTok repeats the notice daily, so
    // other systems hear about it once, and only when the end is within the 30 days that make it `expiring`.
    const authorization = await this.authorizations.recordReportedEnd(manager, appKey, shopId, seconds);
    if (!authorization) return 'unknown_shop';
    if (authorization.announce) {
      await this.notifications.statusChanged(manager, {
        status: 'expiring',
        previousStatus: 'active',
        authorizationId: authorization.id,
        appKey,
        tenantId: authorization.tenantId,
        openId: authorization.openId,
        shopIds: await this.authorizations.activeShopIds(manager, authorization.id),
        reason: `TikTok announced the end of the authorization at ${new Date(seconds * 1000).toISOString()}`,
      });
    }
    await this.events.record(
      {
        type: 'expiration_notice',
        authorizationId: authorization.id,
        openId: authorization.openId,
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
  private olderThanLatestConsent(manager: EntityManager, appKey: string, shopId: string, timestamp: number): Promise<boolean> {
    return this.authorizations.consentedAfter(manager, appKey, shopId, timestamp);
  }
}
