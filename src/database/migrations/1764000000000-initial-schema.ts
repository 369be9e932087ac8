import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE seller_authorizations (
        id uuid PRIMARY KEY,
        app_key varchar(128) NOT NULL,
        open_id varchar(255) NOT NULL,
        seller_name text,
        seller_base_region varchar(16),
        user_type integer,
        granted_scopes text[] NOT NULL DEFAULT '{}',
        access_token text,
        refresh_token text,
        access_token_expires_at timestamptz,
        refresh_token_expires_at timestamptz,
        tokens_issued_at timestamptz,
        status varchar(32) NOT NULL DEFAULT 'active'
          CONSTRAINT ck_seller_authorizations_status CHECK (status IN ('active', 'reauthorization_required', 'revoked')),
        last_granted_at timestamptz,
        last_refreshed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uq_seller_authorizations_app_open_id UNIQUE (app_key, open_id)
      )`);
    await queryRunner.query(`
      CREATE INDEX ix_seller_authorizations_access_expiry
        ON seller_authorizations (access_token_expires_at) WHERE status = 'active'`);
    await queryRunner.query(`
      CREATE TABLE shops (
        id varchar(64) PRIMARY KEY,
        authorization_id uuid NOT NULL
          CONSTRAINT fk_shops_authorization REFERENCES seller_authorizations (id) ON DELETE CASCADE,
        name text NOT NULL,
        region varchar(16) NOT NULL,
        seller_type varchar(32),
        cipher text NOT NULL,
        code varchar(64),
        status varchar(32) NOT NULL DEFAULT 'active'
          CONSTRAINT ck_shops_status CHECK (status IN ('active', 'deauthorized')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX ix_shops_authorization_id ON shops (authorization_id)`);
    await queryRunner.query(`
      CREATE TABLE oauth_states (
        state_hash char(64) PRIMARY KEY,
        browser_hash char(64) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX ix_oauth_states_expires_at ON oauth_states (expires_at)`);
    await queryRunner.query(`
      CREATE TABLE authorization_events (
        id bigserial PRIMARY KEY,
        authorization_id uuid,
        open_id varchar(255),
        shop_id varchar(64),
        type varchar(64) NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX ix_authorization_events_authorization ON authorization_events (authorization_id, id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE authorization_events`);
    await queryRunner.query(`DROP TABLE oauth_states`);
    await queryRunner.query(`DROP TABLE shops`);
    await queryRunner.query(`DROP TABLE seller_authorizations`);
  }
}
