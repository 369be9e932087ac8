import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export type TestServer = 'default' | 'embedded';

/** `default`: DATABASE_URL (CI's Debian PostgreSQL, else the embedded one); `embedded`: always the embedded one. */
function serverUrl(server: TestServer = 'default'): string {
  const url = server === 'embedded' ? process.env.TTS_TEST_EMBEDDED_URL : process.env.DATABASE_URL;
  if (!url) throw new Error('the Jest global setup provides DATABASE_URL and TTS_TEST_EMBEDDED_URL');
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function admin<T>(server: TestServer, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabase(serverUrl(server), 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server, so every test file is isolated from the others. */
export async function createTestDatabase(server: TestServer = 'default'): Promise<TestDatabase> {
  const name = `tts_test_${randomBytes(6).toString('hex')}`;
  await admin(server, (client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: withDatabase(serverUrl(server), name),
    drop: async () => {
      await dumpForSecretScan(withDatabase(serverUrl(server), name), name);
      await admin(server, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}

/**
 * Every row of every table, as JSON lines, into the folder the global teardown scans for secrets: what is
 * stored (tokens encrypted, keys and states as digests) must not contain any secret in clear.
 */
export async function dumpForSecretScan(url: string, name: string): Promise<void> {
  const dir = process.env.TTS_TEST_LOG_DIR;
  if (!dir) return;
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    );
    const lines: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const rows = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${table}" t`);
      for (const { row } of rows.rows) lines.push(`${table}: ${row}`);
    }
    fs.writeFileSync(path.join(dir, `${name}.dump`), `${lines.join('\n')}\n`);
  } catch {
    // A database a test already dropped or broke on purpose has nothing left to scan.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Runs one query on a test database with a short-lived connection. */
export async function query<T extends Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}
