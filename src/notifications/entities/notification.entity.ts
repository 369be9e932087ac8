import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

/**
 * The outbox of status notifications to NOTIFY_WEBHOOK_URL: written in the same transaction as the status
 * change, delivered (with retries) by NotificationDispatcher, so a change is never announced without
 * having happened, nor lost because the receiver was down.
 */
@Entity({ name: 'notification_outbox' })
@Unique('uq_notification_outbox_event', ['eventId'])
@Index('ix_notification_outbox_due', ['nextAttemptAt'], { where: 'delivered_at IS NULL AND failed_at IS NULL' })
// The housekeeping job deletes delivered and abandoned notifications by age.
@Index('ix_notification_outbox_finished', ['createdAt'], { where: 'delivered_at IS NOT NULL OR failed_at IS NOT NULL' })
export class Notification {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ type: 'varchar', length: 64 })
  type!: string;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;

  @Column({ type: 'integer', default: 0 })
  attempts!: number;

  @Column({ name: 'next_attempt_at', type: 'timestamptz', default: () => 'now()' })
  nextAttemptAt!: Date;

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt!: Date | null;

  @Column({ name: 'failed_at', type: 'timestamptz', nullable: true })
  failedAt!: Date | null;

  @Column({ name: 'last_error', type: 'varchar', length: 200, nullable: true })
  lastError!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
