import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const AUTHORIZATION_EVENT_TYPES = [
  'granted',
  're_granted',
  'shop_added',
  'shop_removed',
  'callback_failed',
  'refreshed',
  'refresh_failed',
  'reauthorization_required',
  'shop_revoked',
  'revoked',
  'expiration_notice',
  // A signed TikTok webhook outside the timestamp window (webhook-window.ts): acknowledged, not applied.
  'webhook_ignored',
  // An admin moved the seller to another tenant (or to none): detail { from, to }.
  'tenant_changed',
  /** A consent tried to take a seller or shop another tenant owns; it stayed with its owner. */
  'ownership_conflict',
] as const;
export type AuthorizationEventType = (typeof AUTHORIZATION_EVENT_TYPES)[number];

/**
 * Append-only audit log. Deliberately without a foreign key: the history of an authorization outlives it.
 * `detail` never holds a token, code or secret.
 */
@Entity({ name: 'authorization_events' })
@Index('ix_authorization_events_authorization', ['authorizationId', 'id'])
@Index('ix_authorization_events_shop', ['shopId', 'id'], { where: 'shop_id IS NOT NULL' })
// The housekeeping job deletes by age.
@Index('ix_authorization_events_created', ['createdAt'])
export class AuthorizationEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'authorization_id', type: 'uuid', nullable: true })
  authorizationId!: string | null;

  @Column({ name: 'open_id', type: 'varchar', length: 255, nullable: true })
  openId!: string | null;

  @Column({ name: 'shop_id', type: 'varchar', length: 64, nullable: true })
  shopId!: string | null;

  @Column({ type: 'varchar', length: 64 })
  type!: AuthorizationEventType;

  @Column({ type: 'jsonb', default: {} })
  detail!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
