import { Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';

/**
 * A pending consent. Only SHA-256 digests are stored: a database reader cannot replay a state, nor learn the
 * browser cookie it is bound to.
 */
@Entity({ name: 'oauth_states' })
export class OAuthState {
  @PrimaryColumn({ name: 'state_hash', type: 'char', length: 64 })
  stateHash!: string;

  @Column({ name: 'browser_hash', type: 'char', length: 64 })
  browserHash!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Index('ix_oauth_states_expires_at')
  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  /** The connect session this consent runs for; null: an anonymous consent (/auth/tiktok). */
  @Index('ix_oauth_states_connect_session', { where: 'connect_session_id IS NOT NULL' })
  @Column({ name: 'connect_session_id', type: 'uuid', nullable: true })
  @ForeignKey('ConnectSession', { name: 'fk_oauth_states_connect_session', onDelete: 'CASCADE' })
  connectSessionId!: string | null;

  /** The app whose consent page the state was issued for: the callback exchanges the code with its credentials. Null: the default app. */
  @Column({ name: 'app_key', type: 'varchar', length: 128, nullable: true })
  appKey!: string | null;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;
}
