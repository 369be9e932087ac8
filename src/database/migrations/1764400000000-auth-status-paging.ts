import type { MigrationInterface, QueryRunner } from 'typeorm';

/** GET /auth/status pages in creation order: a keyset on (created_at, id) instead of sorting every authorization. */
export class AuthStatusPaging1764400000000 implements MigrationInterface {
  name = 'AuthStatusPaging1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX ix_seller_authorizations_created ON seller_authorizations (created_at, id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_seller_authorizations_created`);
  }
}
