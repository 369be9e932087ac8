import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { ENTITIES } from '../../src/entities';
import { runMigrations } from '../../src/database/migration-runner';
import { MIGRATIONS } from '../../src/database/migrations';
import { createTestDatabase, query } from '../support/database';

const TABLES = [
  'api_keys',
  'audit_events',
  'authorization_events',
  'connect_sessions',
  'notification_outbox',
  'oauth_states',
  'seller_authorizations',
  'shops',
  'tenants',
  'typeorm_migrations',
  'webhook_deliveries',
];

async function tables(url: string): Promise<string[]> {
  const rows = await query<{ tablename: string }>(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  return rows.map((row) => row.tablename);
}

async function exerciseMigrations(url: string): Promise<void> {
  // Three replicas starting at once: the advisory lock lets one migrate, the others find nothing to do.
  const sources = await Promise.all([0, 1, 2].map(() => new DataSource(dataSourceOptions(url, 2, ENTITIES)).initialize()));
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

/**
 * Migrations that have shipped, by file and content digest. A database migrated by one of them never runs it
 * again, so changing it would leave such databases without the change: a change goes in a new migration.
 * Add a migration here once it has shipped.
 */
const SHIPPED: Record<string, string> = {
  '1764000000000-initial-schema.ts': '52d84de1854a79a1594d0c830c7544d537b6df7830fdb2d7c359404ff046b625',
  '1764100000000-token-engine.ts': '8fc75158f00b32ad3b8d8770237f6fbd3b62f8475df503632624a54ee298ef3b',
  '1764200000000-operations.ts': '9d5122926e3fb83c65f5c2a3fdd2e7a72c0d000ab1c9d000146ba8571bfdccc4',
  '1764250000000-expiry-announcements.ts': '4418820a75e258e31aef8ce30795ebed4f3e60e94a379e72e9b1d504aec5f47f',
  '1764300000000-scale-indexes.ts': '7ce1d0b0b7b0c66ff3d4daa57a5a87d658b926ffac6c25eb72c3185aa8a5ccef',
  '1764400000000-auth-status-paging.ts': '9bff229dc509e8c78f39c2d2fdc1fc0b3d0805c1b531ce66829e4791582ec752',
  '1764520000000-refresh-claim-stamps.ts': '28051fa11991c97c6b17f4d7dfe4aeb77b0b81deeb2171333b453d84d9f633e7',
  '1764530000000-audit-events.ts': '70cd68e1ff6ff42007f0a5265a8c93e90e0902cb5fc4c23da571169b0c886b4d',
  '1764600000000-tenants.ts': 'ee66a9bf5f0b9864a3ec88e2af8f9fb811c6ef5611c64b3ff19b43344205bbf3',
};

describe('migrations', () => {
  it('leaves the migrations that have shipped unchanged', () => {
    const directory = path.join(__dirname, '../../src/database/migrations');
    for (const [file, digest] of Object.entries(SHIPPED)) {
      const actual = createHash('sha256')
        .update(fs.readFileSync(path.join(directory, file)))
        .digest('hex');
      expect(`${file} ${actual}`).toBe(`${file} ${digest}`);
    }
    // A new migration comes after every shipped one: inserted before them, it would never run where they did.
    const files = fs
      .readdirSync(directory)
      .filter((file) => /^\d+-.*\.ts$/.test(file))
      .sort();
    expect(files.slice(0, Object.keys(SHIPPED).length)).toEqual(Object.keys(SHIPPED));
  });

  it('upgrade a database the shipped migrations built, and match the entities', async () => {
    const db = await createTestDatabase();
    const source = await new DataSource({
      ...dataSourceOptions(db.url, 2, ENTITIES),
      migrations: MIGRATIONS.slice(0, Object.keys(SHIPPED).length),
    }).initialize();
    try {
      await source.runMigrations({ transaction: 'each' });
      await source.destroy();
      const upgraded = await new DataSource(dataSourceOptions(db.url, 2, ENTITIES)).initialize();
      try {
        expect(await runMigrations(upgraded)).toEqual(
          MIGRATIONS.slice(Object.keys(SHIPPED).length).map((migration) => new migration().name),
        );
        expect((await upgraded.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query)).toEqual([]);
      } finally {
        await upgraded.destroy();
      }
    } finally {
      if (source.isInitialized) await source.destroy();
      await db.drop();
    }
  });

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
