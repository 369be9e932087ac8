import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __embeddedPostgres?: { stop(): Promise<void> } };
  await holder.__embeddedPostgres?.stop();
  const dir = process.env.TTS_TEST_EMBEDDED_DIR;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
