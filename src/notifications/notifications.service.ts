import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { TiktokApps } from '../config/tiktok-apps';
import { NotificationOutboxRepository } from './notification-outbox.repository';

export type AnnouncedStatus = 'reauthorization_required' | 'revoked' | 'expiring' | 'active';

export interface StatusChange {
  status: AnnouncedStatus;
  previousStatus: string | null;
  authorizationId: string;
  /** The app key of the authorization; the payload says its app id (`app`). */
  appKey: string;
  /** The tenant that owns the authorization; null: none. */
  tenantId: string | null;
  openId: string | null;
  shopIds: string[];
  /** Why, in a few words (never a secret). */
  reason: string;
}

export const STATUS_CHANGED = 'authorization.status_changed';
export const CONNECTED = 'authorization.connected';
export const CONNECT_FAILED = 'authorization.connect_failed';

/** A consent that completed through a tenant's connect session. */
export interface Connected {
  tenantId: string;
  connectSessionId: string;
  authorizationId: string;
  /** The app key of the authorization; the payload says its app id (`app`). */
  appKey: string;
  openId: string;
  sellerName: string | null;
  shopIds: string[];
  /** True when the seller had connected through this tenant before (a re-consent). */
  reconnect: boolean;
}

/** A connect session's consent that failed once its state had proved which session it was. */
export interface ConnectFailed {
  tenantId: string;
  connectSessionId: string;
  /** The app key of the consent (its state's); null: the default app (a state from before several apps). */
  appKey: string | null;
  /** The snake_case code the JSON answer carries (`access_denied`, `seller_owned_by_other_tenant`...). */
  error: string;
}

/**
 * Queues a notification in the caller's transaction (the outbox pattern): it is sent only if the change
 * commits, and delivery (NotificationDispatcher) can never hold up or undo the change itself.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: NotificationOutboxRepository,
    private readonly apps: TiktokApps,
  ) {}

  get enabled(): boolean {
    return this.config.notify !== null;
  }

  async statusChanged(manager: EntityManager, change: StatusChange): Promise<void> {
    await this.enqueue(manager, STATUS_CHANGED, {
      status: change.status,
      previous_status: change.previousStatus,
      tenant_id: change.tenantId,
      authorization_id: change.authorizationId,
      app: this.apps.idOf(change.appKey),
      open_id: change.openId,
      shop_ids: change.shopIds,
      reason: change.reason,
    });
  }

  async connected(manager: EntityManager, event: Connected): Promise<void> {
    await this.enqueue(manager, CONNECTED, {
      tenant_id: event.tenantId,
      connect_session_id: event.connectSessionId,
      authorization_id: event.authorizationId,
      app: this.apps.idOf(event.appKey),
      open_id: event.openId,
      seller_name: event.sellerName,
      shop_ids: event.shopIds,
      reconnect: event.reconnect,
    });
  }

  async connectFailed(manager: EntityManager, event: ConnectFailed): Promise<void> {
    await this.enqueue(manager, CONNECT_FAILED, {
      tenant_id: event.tenantId,
      connect_session_id: event.connectSessionId,
      app: this.apps.idOf(event.appKey),
      error: event.error,
    });
  }

  /** Erases the seller name from every notification of the tenant or about its sellers (an offboarding). */
  eraseSellerNames(manager: EntityManager, tenantId: string, authorizationIds: readonly string[]): Promise<number> {
    return this.outbox.eraseSellerNames(manager, tenantId, authorizationIds);
  }

  private async enqueue(manager: EntityManager, type: string, data: Record<string, unknown>): Promise<void> {
    if (!this.enabled) return;
    const id = randomUUID();
    const payload = { id, type, occurred_at: new Date().toISOString(), data };
    await this.outbox.enqueue(manager, { eventId: id, type, payload });
  }
}
