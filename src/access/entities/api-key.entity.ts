import { Column, CreateDateColumn, Entity, PrimaryColumn, Unique } from 'typeorm';

/** A service key. Only an HMAC-SHA256 digest of the key is stored; the key itself is shown once. */
@Entity({ name: 'api_keys' })
@Unique('uq_api_keys_digest', ['keyDigest'])
export class ApiKey {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @Column({ name: 'key_digest', type: 'char', length: 64 })
  keyDigest!: string;

  /** The first characters of the key, to recognise it in listings. Not enough to use it. */
  @Column({ name: 'key_prefix', type: 'varchar', length: 16 })
  keyPrefix!: string;

  /** Null: every shop. */
  @Column({ name: 'shop_ids', type: 'varchar', length: 64, array: true, nullable: true })
  shopIds!: string[] | null;

  /** Null: not limited by tenant. Otherwise every shop of these tenants, also those connected later. */
  @Column({ name: 'tenant_ids', type: 'varchar', length: 128, array: true, nullable: true })
  tenantIds!: string[] | null;

  /** What the key may do: `tokens` (token and shop routes), `connect` (connect sessions for its tenants). */
  @Column({ type: 'varchar', length: 32, array: true, default: () => "'{tokens}'" })
  permissions!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;
}
