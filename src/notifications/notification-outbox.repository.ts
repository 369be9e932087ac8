import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import { DeleteResult, retentionBatch } from '../database/retention-batch';
import { Notification } from './entities/notification.entity';

/** A notification claimed for delivery. */
export type DueNotification = Pick<Notification, 'id' | 'eventId' | 'payload' | 'attempts'>;

const DUE = selectColumns(Notification, 'notification_outbox', ['id', 'eventId', 'payload', 'attempts']);

/** notification_outbox: status notifications written with their change, delivered by NotificationDispatcher. */
@Injectable()
export class NotificationOutboxRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** In the caller's transaction, so the notification exists exactly when the change commits. */
  async enqueue(manager: EntityManager, notification: Pick<Notification, 'eventId' | 'type' | 'payload'>): Promise<void> {
    await manager.query('INSERT INTO notification_outbox (event_id, type, payload) VALUES ($1, $2, $3)', [
      requireId(notification.eventId, 'an event id'),
      notification.type,
      notification.payload,
    ]);
  }

  /**
   * Erases the seller name from the tenant's notifications (`authorization.connected` carries it), delivered or
   * not: those still due go out with `seller_name: null`. The tenant's, and those about `authorizationIds`
   * (the tenant's sellers, also what was announced before they moved to it). Returns how many were changed.
   */
  async eraseSellerNames(manager: EntityManager, tenantId: string, authorizationIds: readonly string[]): Promise<number> {
    for (const id of authorizationIds) requireId(id, 'an authorization id');
    const [rows] = await manager.query<[unknown[], number]>(
      `UPDATE notification_outbox SET payload = jsonb_set(payload, '{data,seller_name}', 'null'::jsonb)
        WHERE jsonb_typeof(payload #> '{data,seller_name}') = 'string'
          AND (payload #>> '{data,tenant_id}' = $1 OR payload #>> '{data,authorization_id}' = ANY($2::text[]))
        RETURNING id`,
      [requireId(tenantId, 'a tenant id'), authorizationIds],
    );
    return rows.length;
  }

  /**
   * Up to `limit` due notifications, oldest first, each leased for `leaseSeconds` (its next attempt moved that
   * far ahead) so other replicas skip it; SKIP LOCKED lets them claim the rest meanwhile.
   */
  async claimDue(limit: number, leaseSeconds: number): Promise<DueNotification[]> {
    const [rows] = await this.dataSource.query<[DueNotification[], number]>(
      `UPDATE notification_outbox SET next_attempt_at = now() + make_interval(secs => $2)
        WHERE id IN (SELECT id FROM notification_outbox
                      WHERE delivered_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now()
                      ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING ${DUE}`,
      [limit, leaseSeconds],
    );
    return rows.sort((a, b) => Number(a.id) - Number(b.id));
  }

  async markDelivered(id: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE notification_outbox SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1',
      [requireId(id, 'a notification id')],
    );
  }

  async markFailed(id: string, attempts: number, error: string): Promise<void> {
    await this.dataSource.query('UPDATE notification_outbox SET failed_at = now(), attempts = $2, last_error = $3 WHERE id = $1', [
      requireId(id, 'a notification id'),
      attempts,
      error,
    ]);
  }

  async scheduleRetry(id: string, attempts: number, error: string, delaySeconds: number): Promise<void> {
    await this.dataSource.query(
      'UPDATE notification_outbox SET attempts = $2, last_error = $3, next_attempt_at = now() + make_interval(secs => $4) WHERE id = $1',
      [requireId(id, 'a notification id'), attempts, error, delaySeconds],
    );
  }

  /**
   * Deletes up to `batchSize` delivered or abandoned notifications created before `cutoff`; a pending one
   * stays however old it is. One batch of the housekeeping job (see retentionBatch), on the partial index of
   * finished notifications.
   */
  async deleteFinishedBefore(cutoff: Date, batchSize: number): Promise<number> {
    const [, deleted] = await this.dataSource.query<DeleteResult>(
      `DELETE FROM notification_outbox WHERE id = ANY(ARRAY(
         SELECT id FROM notification_outbox
          WHERE (delivered_at IS NOT NULL OR failed_at IS NOT NULL) AND created_at < $1
          ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      retentionBatch(cutoff, batchSize),
    );
    return deleted;
  }
}
