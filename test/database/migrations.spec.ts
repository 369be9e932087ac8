import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { runMigrations } from '../../src/database/migration-runner';
import { MIGRATIONS } from '../../src/database/migrations';
import { createTestDatabase, query } from '../support/database';

const TABLES = [
  'api_keys',
  'authorization_events',
  'notification_outbox',
  'oauth_states',
  'seller_authorizations',
  'shops',
  'typeorm_migrations',
  'webhook_deliveries',
];

async function tables(url: string): Promise<string[]> {
  const rows = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  return rows.map((row) => row.tablename);
}

async function exerciseMigrations(url: string): Promise<void> {
  // Three replicas starting at once: the advisory lock lets one migrate, the others find nothing to do.
  const sources = await Promise.all([0, 1, 2].map(() => new DataSource(dataSourceOptions(url, 2)).initialize()));
  try {
    const applied = await Promise.all(sources.map((source) => runMigrations(source)));
    expect(applied.flat()).toEqual(MIGRATIONS.map((migration) => new migration().name));
    expect(await tables(url)).toEqual(TABLES);
    // The schema TypeORM expects from the entities is exactly what the migrations built.
    const pending = await sources[0].driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    // And every migration can be reverted.
    for (let i = 0; i < MIGRATIONS.length; i += 1) await sources[0].undoLastMigration({ transaction: 'each' });
    expect(await tables(url)).toEqual(['typeorm_migrations']);
    expect(await runMigrations(sources[0])).toHaveLength(MIGRATIONS.length);
  } finally {
    await Promise.all(sources.map((source) => source.destroy()));
  }
}

describe('migrations', () => {
  it('apply once under concurrency, match the entities and revert on the test PostgreSQL server', async () => {
    const db = await createTestDatabase();
    try {
      await exerciseMigrations(db.url);
    } finally {
      await db.drop();
    }
  });

  it('do the same on the embedded PostgreSQL the service starts without DATABASE_URL', async () => {
    // Started by the global setup with the service's own startEmbeddedPostgres().
    const db = await createTestDatabase('embedded');
    try {
      const [{ server_version: version }] = await query<{ server_version: string }>(db.url, 'SHOW server_version');
      expect(Number(version.split('.')[0])).toBeGreaterThanOrEqual(16);
      await exerciseMigrations(db.url);
    } finally {
      await db.drop();
    }
  });
});
