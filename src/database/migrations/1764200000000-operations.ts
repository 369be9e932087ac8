import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Revoked shops, expiry notices from TikTok, and de-duplication of TikTok's webhook deliveries. */
export class Operations1764200000000 implements MigrationInterface {
  name = 'Operations1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE shops DROP CONSTRAINT ck_shops_status`);
    await queryRunner.query(
      `ALTER TABLE shops ADD CONSTRAINT ck_shops_status CHECK (status IN ('active', 'deauthorized', 'revoked'))`,
    );
    await queryRunner.query(`ALTER TABLE seller_authorizations ADD COLUMN reported_expires_at timestamptz`);
    await queryRunner.query(`
      CREATE TABLE webhook_deliveries (
        notification_id varchar(128) PRIMARY KEY,
        type integer NOT NULL,
        shop_id varchar(64),
        outcome varchar(32) NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`ALTER TABLE seller_authorizations DROP COLUMN reported_expires_at`);
    await queryRunner.query(`UPDATE shops SET status = 'deauthorized' WHERE status = 'revoked'`);
    await queryRunner.query(`ALTER TABLE shops DROP CONSTRAINT ck_shops_status`);
    await queryRunner.query(`ALTER TABLE shops ADD CONSTRAINT ck_shops_status CHECK (status IN ('active', 'deauthorized'))`);
  }
}
