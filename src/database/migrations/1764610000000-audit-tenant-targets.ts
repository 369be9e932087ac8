import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An audit record's target may be a tenant, whose id is up to 128 characters (the product's own id). Widening a
 * varchar rewrites nothing: existing rows stay as they are.
 */
export class AuditTenantTargets1764610000000 implements MigrationInterface {
  name = 'AuditTenantTargets1764610000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audit_events ALTER COLUMN target_id TYPE varchar(128)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Back to 64 only if every target fits: a longer tenant id would be cut, so the revert refuses instead.
    await queryRunner.query(`ALTER TABLE audit_events ALTER COLUMN target_id TYPE varchar(64)`);
  }
}
