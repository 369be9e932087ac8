import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/** Set by the global setup: where every test instance writes its logs and the secrets it knew. */
function logDir(): string | undefined {
  return process.env.TTS_TEST_LOG_DIR;
}

export function testLogFile(): string | undefined {
  const dir = logDir();
  return dir ? path.join(dir, `${randomUUID()}.log`) : undefined;
}

/** Adds secrets (tokens, keys) to the list the global teardown searches every log for. */
export function recordSecrets(secrets: string[]): void {
  const dir = logDir();
  if (!dir || secrets.length === 0) return;
  fs.appendFileSync(path.join(dir, 'secrets.txt'), `${secrets.join('\n')}\n`);
}

/** What the teardown scans: instance logs, database dumps (test/support/database.ts), answers (record-responses.ts). */
const SCANNED = { '.log': 'log lines', '.dump': 'stored rows', '.responses': 'answers' } as const;

/** Every scanned line containing a recorded secret, as `file: line` with the secret masked. */
export function scanLogsForSecrets(dir: string): { files: number; lines: Record<string, number>; secrets: number; leaks: string[] } {
  const secretsFile = path.join(dir, 'secrets.txt');
  const secrets = fs.existsSync(secretsFile)
    ? [
        ...new Set(
          fs
            .readFileSync(secretsFile, 'utf8')
            .split('\n')
            .filter((line) => line.length >= 8),
        ),
      ]
    : [];
  const leaks: string[] = [];
  const lines: Record<string, number> = Object.fromEntries(Object.values(SCANNED).map((kind) => [kind, 0]));
  let files = 0;
  for (const name of fs.readdirSync(dir)) {
    const kind = SCANNED[path.extname(name) as keyof typeof SCANNED];
    if (!kind) continue;
    files += 1;
    for (const line of fs.readFileSync(path.join(dir, name), 'utf8').split('\n')) {
      if (!line) continue;
      lines[kind] += 1;
      const found = secrets.filter((secret) => line.includes(secret));
      if (found.length > 0)
        leaks.push(`${name}: ${found.reduce((masked, secret) => masked.split(secret).join('[SECRET]'), line).slice(0, 300)}`);
    }
  }
  return { files, lines, secrets: secrets.length, leaks };
}
