import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Service API keys, and the refresh engine's bookkeeping on each authorization. */
export class TokenEngine1764100000000 implements MigrationInterface {
  name = 'TokenEngine1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        name varchar(100) NOT NULL,
        key_digest char(64) NOT NULL CONSTRAINT uq_api_keys_digest UNIQUE,
        key_prefix varchar(16) NOT NULL,
        shop_ids varchar(64)[],
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz
      )`);
    await queryRunner.query(`
      ALTER TABLE seller_authorizations
        ADD COLUMN refresh_failures integer NOT NULL DEFAULT 0,
        ADD COLUMN next_refresh_at timestamptz,
        ADD COLUMN last_refresh_error varchar(64),
        ADD COLUMN last_refresh_attempt_at timestamptz,
        ADD COLUMN refresh_claimed_until timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE seller_authorizations
        DROP COLUMN refresh_failures, DROP COLUMN next_refresh_at, DROP COLUMN last_refresh_error,
        DROP COLUMN last_refresh_attempt_at, DROP COLUMN refresh_claimed_until`);
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
