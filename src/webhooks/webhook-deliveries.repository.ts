import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireId } from '../database/columns';
import { DeleteResult, retentionBatch } from '../database/retention-batch';
import type { WebhookDelivery } from './entities/webhook-delivery.entity';

/** webhook_deliveries: the notifications TikTok sent, kept to ignore its retries. */
@Injectable()
export class WebhookDeliveriesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Records the delivery as pending, in the transaction that applies it. ON CONFLICT DO NOTHING makes a
   * concurrent duplicate wait for the first delivery's transaction and then find the row; false: seen before.
   * `appKey`: the app whose route received it and whose credentials signed it.
   */
  async claim(
    manager: EntityManager,
    delivery: Pick<WebhookDelivery, 'notificationId' | 'type' | 'shopId'> & { appKey: string },
  ): Promise<boolean> {
    const claimed = await manager.query<unknown[]>(
      `INSERT INTO webhook_deliveries (notification_id, type, shop_id, app_key, outcome) VALUES ($1, $2, $3, $4, 'pending')
       ON CONFLICT (notification_id) DO NOTHING
       RETURNING notification_id`,
      [requireId(delivery.notificationId, 'a notification id'), delivery.type, delivery.shopId, requireId(delivery.appKey, 'an app key')],
    );
    return claimed.length > 0;
  }

  async setOutcome(manager: EntityManager, notificationId: string, outcome: string): Promise<void> {
    await manager.query('UPDATE webhook_deliveries SET outcome = $2 WHERE notification_id = $1', [
      requireId(notificationId, 'a notification id'),
      outcome,
    ]);
  }

  /**
   * Deletes up to `batchSize` deliveries received before `cutoff`; one batch of the housekeeping job (see
   * retentionBatch). A retry of a deleted one is refused by its timestamp (webhook-window.ts), not as a duplicate.
   */
  async deleteReceivedBefore(cutoff: Date, batchSize: number): Promise<number> {
    const [, deleted] = await this.dataSource.query<DeleteResult>(
      `DELETE FROM webhook_deliveries WHERE notification_id = ANY(ARRAY(
         SELECT notification_id FROM webhook_deliveries WHERE received_at < $1
          ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      retentionBatch(cutoff, batchSize),
    );
    return deleted;
  }
}
