import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A scheduler run's claims cost the same however many came before (AuthorizationRefreshRepository.claimDue):
 * each row a claim takes is stamped with the claim's time, so the run's later claims skip what it took by one
 * timestamp instead of a list of every id it has seen, and they go on after the last row claimed in
 * (access_token_expires_at, id) order, which the active-expiry index now covers (TikTok's expiries are whole
 * seconds: many tokens share one).
 */
export class RefreshClaimStamps1764520000000 implements MigrationInterface {
  name = 'RefreshClaimStamps1764520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE seller_authorizations ADD COLUMN refresh_claimed_at timestamptz`);
    await queryRunner.query(`DROP INDEX ix_seller_authorizations_access_expiry`);
    await queryRunner.query(`
      CREATE INDEX ix_seller_authorizations_access_expiry
        ON seller_authorizations (access_token_expires_at, id) WHERE status = 'active'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_seller_authorizations_access_expiry`);
    await queryRunner.query(`
      CREATE INDEX ix_seller_authorizations_access_expiry
        ON seller_authorizations (access_token_expires_at) WHERE status = 'active'`);
    await queryRunner.query(`ALTER TABLE seller_authorizations DROP COLUMN refresh_claimed_at`);
  }
}
