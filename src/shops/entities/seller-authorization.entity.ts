import { Check, Column, CreateDateColumn, Entity, ForeignKey, Index, PrimaryColumn, Unique, UpdateDateColumn } from 'typeorm';

export const AUTHORIZATION_STATUSES = ['active', 'reauthorization_required', 'revoked'] as const;
export type AuthorizationStatus = (typeof AUTHORIZATION_STATUSES)[number];

/**
 * One seller's grant to one TikTok app: one token pair, one open_id. Keyed by (app_key, open_id) so a second
 * app (a US Partner Center app, say) holds its own grants beside the first. Token columns hold
 * {@link TokenCipher} envelopes bound to this row's id, never plaintext.
 */
@Entity({ name: 'seller_authorizations' })
@Check('ck_seller_authorizations_status', `status IN ('active', 'reauthorization_required', 'revoked')`)
@Index('ix_seller_authorizations_access_expiry', ['accessTokenExpiresAt', 'id'], { where: `status = 'active'` })
@Index('ix_seller_authorizations_status_inactive', ['status', 'id'], { where: `status <> 'active'` })
// GET /auth/status pages in creation order (AuthStatusPaging migration).
@Index('ix_seller_authorizations_created', ['createdAt', 'id'])
// On an expression TypeORM cannot describe: created by the ScaleIndexes migration, left alone by the schema diff.
@Index('ix_seller_authorizations_end', { synchronize: false })
@Unique('uq_seller_authorizations_app_open_id', ['appKey', 'openId'])
@Index('ix_seller_authorizations_tenant', ['tenantId', 'id'], { where: 'tenant_id IS NOT NULL' })
export class SellerAuthorization {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ name: 'app_key', type: 'varchar', length: 128 })
  appKey!: string;

  @Column({ name: 'open_id', type: 'varchar', length: 255 })
  openId!: string;

  /** The tenant that owns this seller (and its shops); null: none (anonymous consent, or connected before tenants). */
  @Column({ name: 'tenant_id', type: 'varchar', length: 128, nullable: true })
  @ForeignKey('Tenant', { name: 'fk_seller_authorizations_tenant', onDelete: 'SET NULL' })
  tenantId!: string | null;

  @Column({ name: 'seller_name', type: 'text', nullable: true })
  sellerName!: string | null;

  @Column({ name: 'seller_base_region', type: 'varchar', length: 16, nullable: true })
  sellerBaseRegion!: string | null;

  @Column({ name: 'user_type', type: 'integer', nullable: true })
  userType!: number | null;

  @Column({ name: 'granted_scopes', type: 'text', array: true, default: () => "'{}'" })
  grantedScopes!: string[];

  @Column({ name: 'access_token', type: 'text', nullable: true })
  accessToken!: string | null;

  @Column({ name: 'refresh_token', type: 'text', nullable: true })
  refreshToken!: string | null;

  @Column({ name: 'access_token_expires_at', type: 'timestamptz', nullable: true })
  accessTokenExpiresAt!: Date | null;

  @Column({ name: 'refresh_token_expires_at', type: 'timestamptz', nullable: true })
  refreshTokenExpiresAt!: Date | null;

  /** When TikTok issued the stored pair: an older pair never overwrites a newer one. */
  @Column({ name: 'tokens_issued_at', type: 'timestamptz', nullable: true })
  tokensIssuedAt!: Date | null;

  @Column({ type: 'varchar', length: 32, default: 'active' })
  status!: AuthorizationStatus;

  @Column({ name: 'last_granted_at', type: 'timestamptz', nullable: true })
  lastGrantedAt!: Date | null;

  @Column({ name: 'last_refreshed_at', type: 'timestamptz', nullable: true })
  lastRefreshedAt!: Date | null;

  /** Consecutive transient refresh failures; drives the backoff. */
  @Column({ name: 'refresh_failures', type: 'integer', default: 0 })
  refreshFailures!: number;

  /** In backoff until then: neither the scheduler nor the token API calls TikTok for it before. */
  @Column({ name: 'next_refresh_at', type: 'timestamptz', nullable: true })
  nextRefreshAt!: Date | null;

  @Column({ name: 'last_refresh_error', type: 'varchar', length: 64, nullable: true })
  lastRefreshError!: string | null;

  @Column({ name: 'last_refresh_attempt_at', type: 'timestamptz', nullable: true })
  lastRefreshAttemptAt!: Date | null;

  /** The authorization's end as TikTok announced it (UPCOMING_AUTHORIZATION_EXPIRATION webhook). */
  @Column({ name: 'reported_expires_at', type: 'timestamptz', nullable: true })
  reportedExpiresAt!: Date | null;

  /** When other systems were told this authorization is `expiring` (once per authorization period). */
  @Column({ name: 'expiring_notified_at', type: 'timestamptz', nullable: true })
  expiringNotifiedAt!: Date | null;

  /** A scheduler run's lease: other replicas skip the row until then (a killed run's lease just expires). */
  @Column({ name: 'refresh_claimed_until', type: 'timestamptz', nullable: true })
  refreshClaimedUntil!: Date | null;

  /** When a scheduler run last claimed the row: a run skips rows claimed since it began (once per run). */
  @Column({ name: 'refresh_claimed_at', type: 'timestamptz', nullable: true })
  refreshClaimedAt!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
