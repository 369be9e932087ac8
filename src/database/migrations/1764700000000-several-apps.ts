import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several TikTok apps in one deployment. A shop is now unique per app and shop id (two apps of one company may
 * both be granted the same shop), so shops carry their authorization's app key; consent states, connect sessions
 * and webhook deliveries record the app they were for. Existing rows belong to the app whose key they already
 * hold (the `default` app of a single-app deployment); a NULL app key on the other tables means that app too.
 */
export class SeveralApps1764700000000 implements MigrationInterface {
  name = 'SeveralApps1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE shops ADD COLUMN app_key varchar(128) NULL`);
    await queryRunner.query(`UPDATE shops SET app_key = a.app_key FROM seller_authorizations a WHERE a.id = shops.authorization_id`);
    await queryRunner.query(`ALTER TABLE shops ALTER COLUMN app_key SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE shops DROP CONSTRAINT shops_pkey`);
    // Shop id first: most lookups know the shop id and not always the app.
    await queryRunner.query(`ALTER TABLE shops ADD CONSTRAINT shops_pkey PRIMARY KEY (id, app_key)`);
    await queryRunner.query(`ALTER TABLE oauth_states ADD COLUMN app_key varchar(128) NULL`);
    await queryRunner.query(`ALTER TABLE connect_sessions ADD COLUMN app_key varchar(128) NULL`);
    await queryRunner.query(`ALTER TABLE webhook_deliveries ADD COLUMN app_key varchar(128) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE webhook_deliveries DROP COLUMN app_key`);
    await queryRunner.query(`ALTER TABLE connect_sessions DROP COLUMN app_key`);
    await queryRunner.query(`ALTER TABLE oauth_states DROP COLUMN app_key`);
    await queryRunner.query(`ALTER TABLE shops DROP CONSTRAINT shops_pkey`);
    await queryRunner.query(`ALTER TABLE shops ADD CONSTRAINT shops_pkey PRIMARY KEY (id)`);
    await queryRunner.query(`ALTER TABLE shops DROP COLUMN app_key`);
  }
}
