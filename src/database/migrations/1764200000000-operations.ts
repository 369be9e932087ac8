import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Revoked shops, expiry notices from TikTok, de-duplication of TikTok's webhook deliveries, and the outbox of
 * status notifications to other systems.
 */
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
    await queryRunner.query(`
      CREATE TABLE notification_outbox (
        id bigserial PRIMARY KEY,
        event_id uuid NOT NULL CONSTRAINT uq_notification_outbox_event UNIQUE,
        type varchar(64) NOT NULL,
        payload jsonb NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        failed_at timestamptz,
        last_error varchar(200),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_notification_outbox_due ON notification_outbox (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification_outbox`);
    await queryRunner.query(`DROP TABLE webhook_deliveries`);
    await queryRunner.query(`ALTER TABLE seller_authorizations DROP COLUMN reported_expires_at`);
    await queryRunner.query(`UPDATE shops SET status = 'deauthorized' WHERE status = 'revoked'`);
    await queryRunner.query(`ALTER TABLE shops DROP CONSTRAINT ck_shops_status`);
    await queryRunner.query(`ALTER TABLE shops ADD CONSTRAINT ck_shops_status CHECK (status IN ('active', 'deauthorized'))`);
  }
}
