import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The audit log of admin actions (GET /admin/audit): who, by key id, did what to which API key or shop. */
export class AuditEvents1764530000000 implements MigrationInterface {
  name = 'AuditEvents1764530000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_events (
        id bigserial PRIMARY KEY,
        actor_key_id varchar(64) NOT NULL,
        action varchar(64) NOT NULL,
        target_id varchar(64) NOT NULL,
        detail jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_events`);
  }
}
