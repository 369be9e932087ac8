import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When a scheduler run last claimed each authorization, so that a run skips what it has claimed already by
 * comparing one timestamp instead of sending the list of every id it has seen with each claim (quadratic when
 * many tokens fall due at once).
 */
export class RefreshClaimStamps1764520000000 implements MigrationInterface {
  name = 'RefreshClaimStamps1764520000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE seller_authorizations ADD COLUMN refresh_claimed_at timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE seller_authorizations DROP COLUMN refresh_claimed_at`);
  }
}
