import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Tenants (the product's own customers) and connect sessions. Existing rows keep working: an authorization
 * without a tenant belongs to no tenant, and every existing API key keeps exactly the `tokens` permission.
 */
export class Tenants1764600000000 implements MigrationInterface {
  name = 'Tenants1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE tenants (
        tenant_id varchar(128) PRIMARY KEY,
        name text NOT NULL,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`ALTER TABLE seller_authorizations ADD COLUMN tenant_id varchar(128) NULL
      CONSTRAINT fk_seller_authorizations_tenant REFERENCES tenants (tenant_id) ON DELETE SET NULL`);
    await queryRunner.query(`CREATE INDEX ix_seller_authorizations_tenant ON seller_authorizations (tenant_id, id) WHERE tenant_id IS NOT NULL`);
    await queryRunner.query(`
      CREATE TABLE connect_sessions (
        id uuid PRIMARY KEY,
        token_hash char(64) NOT NULL CONSTRAINT uq_connect_sessions_token UNIQUE,
        tenant_id varchar(128) NOT NULL CONSTRAINT fk_connect_sessions_tenant REFERENCES tenants (tenant_id) ON DELETE CASCADE,
        return_url text NULL,
        status varchar(16) NOT NULL DEFAULT 'pending'
          CONSTRAINT ck_connect_sessions_status CHECK (status IN ('pending', 'completed', 'cancelled')),
        created_by_key_id varchar(64) NOT NULL,
        authorization_id uuid NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX ix_connect_sessions_tenant ON connect_sessions (tenant_id, id) WHERE status = 'pending'`);
    await queryRunner.query(`CREATE INDEX ix_connect_sessions_expires_at ON connect_sessions (expires_at)`);
    await queryRunner.query(`ALTER TABLE oauth_states ADD COLUMN connect_session_id uuid NULL
      CONSTRAINT fk_oauth_states_connect_session REFERENCES connect_sessions (id) ON DELETE CASCADE`);
    await queryRunner.query(`CREATE INDEX ix_oauth_states_connect_session ON oauth_states (connect_session_id) WHERE connect_session_id IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE api_keys ADD COLUMN tenant_ids varchar(128)[] NULL`);
    await queryRunner.query(`ALTER TABLE api_keys ADD COLUMN permissions varchar(32)[] NOT NULL DEFAULT '{tokens}'`);
    // An audit record's target may be a tenant id (up to 128 characters); widening a varchar rewrites nothing.
    await queryRunner.query(`ALTER TABLE audit_events ALTER COLUMN target_id TYPE varchar(128)`);
    // The housekeeping job deletes by age: each table's age column, indexed.
    await queryRunner.query(`CREATE INDEX ix_authorization_events_created ON authorization_events (created_at)`);
    await queryRunner.query(`CREATE INDEX ix_webhook_deliveries_received ON webhook_deliveries (received_at)`);
    await queryRunner.query(
      `CREATE INDEX ix_notification_outbox_finished ON notification_outbox (created_at) WHERE delivered_at IS NOT NULL OR failed_at IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_notification_outbox_finished`);
    await queryRunner.query(`DROP INDEX ix_webhook_deliveries_received`);
    await queryRunner.query(`DROP INDEX ix_authorization_events_created`);
    await queryRunner.query(`ALTER TABLE audit_events ALTER COLUMN target_id TYPE varchar(64)`);
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN permissions`);
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN tenant_ids`);
    await queryRunner.query(`ALTER TABLE oauth_states DROP COLUMN connect_session_id`);
    await queryRunner.query(`DROP TABLE connect_sessions`);
    await queryRunner.query(`ALTER TABLE seller_authorizations DROP COLUMN tenant_id`);
    await queryRunner.query(`DROP TABLE tenants`);
  }
}
