import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for 100,000 shops and more (benchmark 3, bench/scale.cjs): every admin filter, the scheduler's
 * expiring check and the metrics gauges find their rows through an index instead of reading whole tables.
 * The partial indexes hold only the few rows with a problem.
 */
export class ScaleIndexes1764300000000 implements MigrationInterface {
  name = 'ScaleIndexes1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // GET /admin/shops?status=revoked|deauthorized, in shop id order.
    await queryRunner.query(`CREATE INDEX ix_shops_status_inactive ON shops (status, id) WHERE status <> 'active'`);
    // GET /admin/shops?region=..., in shop id order.
    await queryRunner.query(`CREATE INDEX ix_shops_region ON shops (region, id)`);
    // Authorizations needing re-consent or revoked: admin filters (by id for the keyset pages) and the gauge.
    await queryRunner.query(
      `CREATE INDEX ix_seller_authorizations_status_inactive ON seller_authorizations (status, id) WHERE status <> 'active'`,
    );
    // When each authorization ends (derived-status.ts authorizationEndSql): `expiring` filters and gauge,
    // the earliest-expiry gauge, and the scheduler's announcement of those not yet announced.
    await queryRunner.query(`
      CREATE INDEX ix_seller_authorizations_end
        ON seller_authorizations (status, (LEAST(refresh_token_expires_at, reported_expires_at)), expiring_notified_at)`);
    // GET /admin/shops/{id}/events: the shop's own events (the authorization's come from the existing index).
    await queryRunner.query(
      `CREATE INDEX ix_authorization_events_shop ON authorization_events (shop_id, id) WHERE shop_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ix_authorization_events_shop`);
    await queryRunner.query(`DROP INDEX ix_seller_authorizations_end`);
    await queryRunner.query(`DROP INDEX ix_seller_authorizations_status_inactive`);
    await queryRunner.query(`DROP INDEX ix_shops_region`);
    await queryRunner.query(`DROP INDEX ix_shops_status_inactive`);
  }
}
