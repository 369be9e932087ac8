import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { requireId } from '../database/columns';
import type { WebhookDelivery } from './entities/webhook-delivery.entity';

/** webhook_deliveries: the notifications TikTok sent, kept to ignore its retries. */
@Injectable()
export class WebhookDeliveriesRepository {
  /**
   * Records the delivery as pending, in the transaction that applies it. ON CONFLICT DO NOTHING makes a
   * concurrent duplicate wait for the first delivery's transaction and then find the row; false: seen before.
   */
  async claim(manager: EntityManager, delivery: Pick<WebhookDelivery, 'notificationId' | 'type' | 'shopId'>): Promise<boolean> {
    const claimed = await manager.query<unknown[]>(
      `INSERT INTO webhook_deliveries (notification_id, type, shop_id, outcome) VALUES ($1, $2, $3, 'pending')
       ON CONFLICT (notification_id) DO NOTHING
       RETURNING notification_id`,
      [requireId(delivery.notificationId, 'a notification id'), delivery.type, delivery.shopId],
    );
    return claimed.length > 0;
  }

  async setOutcome(manager: EntityManager, notificationId: string, outcome: string): Promise<void> {
    await manager.query('UPDATE webhook_deliveries SET outcome = $2 WHERE notification_id = $1', [
      requireId(notificationId, 'a notification id'),
      outcome,
    ]);
  }
}
