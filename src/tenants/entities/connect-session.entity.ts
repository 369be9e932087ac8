import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';

export const CONNECT_SESSION_STATUSES = ['pending', 'completed', 'cancelled'] as const;
export type ConnectSessionStatus = (typeof CONNECT_SESSION_STATUSES)[number];

/**
 * A connect link a tenant's product hands to one of its merchants: `/connect/{token}` starts a consent whose
 * seller and shops then belong to the tenant. Only the SHA-256 digest of the 256-bit token is stored. Usable
 * until it expires, is cancelled, or one consent completes through it.
 */
@Entity({ name: 'connect_sessions' })
@Unique('uq_connect_sessions_token', ['tokenHash'])
@Check('ck_connect_sessions_status', `status IN ('pending', 'completed', 'cancelled')`)
@Index('ix_connect_sessions_tenant', ['tenantId', 'id'], { where: `status = 'pending'` })
export class ConnectSession {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash!: string;

  @Column({ name: 'tenant_id', type: 'varchar', length: 128 })
  @ForeignKey('Tenant', { name: 'fk_connect_sessions_tenant', onDelete: 'CASCADE' })
  tenantId!: string;

  /** Where the browser goes once the consent ends; null: the service's own result page. */
  @Column({ name: 'return_url', type: 'text', nullable: true })
  returnUrl!: string | null;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status!: ConnectSessionStatus;

  /** The app the seller is asked to authorize; null: the default app. */
  @Column({ name: 'app_key', type: 'varchar', length: 128, nullable: true })
  appKey!: string | null;

  /** The key that created it (`admin` for the admin key). */
  @Column({ name: 'created_by_key_id', type: 'varchar', length: 64 })
  createdByKeyId!: string;

  /** The authorization the completing consent stored. */
  @Column({ name: 'authorization_id', type: 'uuid', nullable: true })
  authorizationId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Index('ix_connect_sessions_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** When it was completed or cancelled. */
  @Column({ name: 'ended_at', type: 'timestamptz', nullable: true })
  endedAt!: Date | null;
}
