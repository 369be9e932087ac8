import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an authorization's coming end was announced (`authorization.status_changed` to `expiring`), so that the
 * scheduler and the expiry webhook announce it once. Its own migration: Operations1764200000000 had already
 * shipped, and a database migrated by it must get the column too.
 */
export class ExpiryAnnouncements1764250000000 implements MigrationInterface {
  name = 'ExpiryAnnouncements1764250000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE seller_authorizations ADD COLUMN expiring_notified_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE seller_authorizations DROP COLUMN expiring_notified_at`);
  }
}
