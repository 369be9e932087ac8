import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { NotificationOutboxRepository } from './notification-outbox.repository';

export type AnnouncedStatus = 'reauthorization_required' | 'revoked' | 'expiring' | 'active';

export interface StatusChange {
  status: AnnouncedStatus;
  previousStatus: string | null;
  authorizationId: string;
  openId: string | null;
  shopIds: string[];
  /** Why, in a few words (never a secret). */
  reason: string;
}

export const STATUS_CHANGED = 'authorization.status_changed';

/**
 * Queues a notification in the caller's transaction (the outbox pattern): it is sent only if the change
 * commits, and delivery (NotificationDispatcher) can never hold up or undo the change itself.
 */
@Injectable()
export class NotificationsService {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: NotificationOutboxRepository,
  ) {}

  get enabled(): boolean {
    return this.config.notify !== null;
  }

  async statusChanged(manager: EntityManager, change: StatusChange): Promise<void> {
    if (!this.enabled) return;
    const id = randomUUID();
    const payload = {
      id,
      type: STATUS_CHANGED,
      occurred_at: new Date().toISOString(),
      data: {
        status: change.status,
        previous_status: change.previousStatus,
        authorization_id: change.authorizationId,
        open_id: change.openId,
        shop_ids: change.shopIds,
        reason: change.reason,
      },
    };
    await this.outbox.enqueue(manager, { eventId: id, type: STATUS_CHANGED, payload });
  }
}
