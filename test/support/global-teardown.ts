import fs from 'node:fs';
import { scanLogsForSecrets } from './secrets';

/**
 * Stops the embedded PostgreSQL, then searches every log the test instances wrote for every token, key and
 * secret they knew or their emulators issued. One hit fails the run.
 */
export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __embeddedPostgres?: { stop(): Promise<void> } };
  await holder.__embeddedPostgres?.stop();
  const dir = process.env.TTS_TEST_EMBEDDED_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
  const logDir = process.env.TTS_TEST_LOG_DIR;
  if (!logDir) return;
  const scan = scanLogsForSecrets(logDir);
  fs.rmSync(logDir, { recursive: true, force: true });
  if (scan.leaks.length > 0) {
    throw new Error(`secrets found in test logs, stored rows or answers:\n${scan.leaks.slice(0, 20).join('\n')}`);
  }
  const scanned = Object.entries(scan.lines)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  process.stdout.write(`secret scan: ${scanned} (${scan.files} files), ${scan.secrets} secrets, none leaked\n`);
}
