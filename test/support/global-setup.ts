import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * Starts the embedded PostgreSQL the service uses by default, in a temporary folder removed afterwards.
 * Without DATABASE_URL the whole suite runs on it; with DATABASE_URL (CI: Debian's PostgreSQL) the suite
 * runs there and only the migration test also runs on the embedded one. Each test file creates its own
 * database on whichever server it uses.
 */
export default async function globalSetup(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-test-pg-'));
  fs.chmodSync(dataDir, 0o755);
  const silent = { log: () => undefined, warn: () => undefined };
  // Jest runs this file outside its module system, where its CommonJS transform of the ESM-only package
  // cannot load; a native import() (hidden from the transform) loads it as Node would.
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- a fixed string, the point is to bypass the transform
  const nativeImport = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<never>;
  const server = await startEmbeddedPostgres({
    dataDir,
    ephemeral: true,
    database: 'postgres',
    logger: silent,
    load: () => nativeImport('embedded-postgres'),
  });
  process.env.TTS_TEST_EMBEDDED_URL = server.url;
  process.env.TTS_TEST_LOG_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-test-logs-'));
  process.env.TTS_TEST_EMBEDDED_DIR = dataDir;
  process.env.DATABASE_URL ??= server.url;
  (globalThis as { __embeddedPostgres?: typeof server }).__embeddedPostgres = server;
}
