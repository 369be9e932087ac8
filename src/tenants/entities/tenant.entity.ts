import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A customer of the product that runs this service: it owns sellers (their authorizations) and, through them,
 * shops. `tenant_id` is the product's own id for it, 1-128 characters of `[A-Za-z0-9._:@-]`.
 */
@Entity({ name: 'tenants' })
export class Tenant {
  @PrimaryColumn({ name: 'tenant_id', type: 'varchar', length: 128 })
  tenantId!: string;

  @Column({ type: 'text' })
  name!: string;

  /** A flat object of at most 20 string values. */
  @Column({ type: 'jsonb', default: {} })
  metadata!: Record<string, string>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
