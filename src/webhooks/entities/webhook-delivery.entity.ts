import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One TikTok webhook notification, kept to ignore TikTok's retries of it (keyed by tts_notification_id). */
@Entity({ name: 'webhook_deliveries' })
export class WebhookDelivery {
  @PrimaryColumn({ name: 'notification_id', type: 'varchar', length: 128 })
  notificationId!: string;

  @Column({ type: 'integer' })
  type!: number;

  @Column({ name: 'shop_id', type: 'varchar', length: 64, nullable: true })
  shopId!: string | null;

  @Column({ type: 'varchar', length: 32 })
  outcome!: string;

  /** The app the notification was signed for; null: received before several apps (the default app). */
  @Column({ name: 'app_key', type: 'varchar', length: 128, nullable: true })
  appKey!: string | null;

  /** The housekeeping job deletes by age. */
  @Index('ix_webhook_deliveries_received')
  @CreateDateColumn({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;
}
