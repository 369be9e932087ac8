import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, Relation, UpdateDateColumn } from 'typeorm';
import { SellerAuthorization } from './seller-authorization.entity';

export const SHOP_STATUSES = ['active', 'deauthorized', 'revoked'] as const;
export type ShopStatus = (typeof SHOP_STATUSES)[number];

/**
 * A TikTok shop reachable through one seller authorization. `cipher` goes out as `shop_cipher` on shop calls.
 * Unique per app and shop id: two apps may both be granted the same shop. `appKey` is its authorization's.
 */
@Entity({ name: 'shops' })
@Check('ck_shops_status', `status IN ('active', 'deauthorized', 'revoked')`)
@Index('ix_shops_status_inactive', ['status', 'id'], { where: `status <> 'active'` })
@Index('ix_shops_region', ['region', 'id'])
export class Shop {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  @PrimaryColumn({ name: 'app_key', type: 'varchar', length: 128 })
  appKey!: string;

  @Index('ix_shops_authorization_id')
  @Column({ name: 'authorization_id', type: 'uuid' })
  authorizationId!: string;

  @ManyToOne(() => SellerAuthorization, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'authorization_id', foreignKeyConstraintName: 'fk_shops_authorization' })
  authorization?: Relation<SellerAuthorization>;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'varchar', length: 16 })
  region!: string;

  @Column({ name: 'seller_type', type: 'varchar', length: 32, nullable: true })
  sellerType!: string | null;

  @Column({ type: 'text' })
  cipher!: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  code!: string | null;

  @Column({ type: 'varchar', length: 32, default: 'active' })
  status!: ShopStatus;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
