import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Every admin action that changes state. */
export const AUDIT_ACTIONS = [
  'api_key_created',
  'api_key_deleted',
  'shop_refresh_forced',
  'shop_revoked',
  'tenant_saved',
  'tenant_offboarded',
  'authorization_tenant_changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/**
 * The admin key is configuration, not a row, so it has no id of its own: its actions are recorded under this
 * one. A service key would be recorded under its `api_keys.id` (no service-key route changes admin state today).
 */
export const ADMIN_ACTOR = 'admin';

/**
 * Append-only: who (the acting key's id, never the key) did what to which API key, shop, tenant or
 * authorization, and when. Without foreign keys, so the record of a deleted key stays. `detail` never holds a key, token or secret.
 */
@Entity({ name: 'audit_events' })
export class AuditEvent {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  /** `admin` ({@link ADMIN_ACTOR}) or the acting service key's id. */
  @Column({ name: 'actor_key_id', type: 'varchar', length: 64 })
  actorKeyId!: string;

  @Column({ type: 'varchar', length: 64 })
  action!: AuditAction;

  /** The id of the API key, shop, tenant or authorization the action was about. 128: a tenant id's length. */
  @Column({ name: 'target_id', type: 'varchar', length: 128 })
  targetId!: string;

  @Column({ type: 'jsonb', default: {} })
  detail!: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
