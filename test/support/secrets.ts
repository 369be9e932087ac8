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

/** Secrets are recorded only from 8 characters on: every one starts with one of these 8-character keys. */
const KEY_LENGTH = 8;

/**
 * Finds every recorded secret in a line in time linear in the line's length: each position's next 8
 * characters are looked up among the secrets' first 8 (a hash lookup), and only a hit is compared in full.
 * Comparing every line with every secret instead costs secrets x lines.
 */
export class SecretIndex {
  private readonly byKey = new Map<string, string[]>();

  constructor(secrets: Iterable<string>) {
    for (const secret of new Set(secrets)) {
      if (secret.length < KEY_LENGTH) continue;
      const key = secret.slice(0, KEY_LENGTH);
      const list = this.byKey.get(key);
      if (list) list.push(secret);
      else this.byKey.set(key, [secret]);
    }
  }

  get size(): number {
    let n = 0;
    for (const list of this.byKey.values()) n += list.length;
    return n;
  }

  /** The secrets that occur in `line`. */
  find(line: string): string[] {
    const found = new Set<string>();
    for (let at = 0; at + KEY_LENGTH <= line.length; at += 1) {
      const candidates = this.byKey.get(line.slice(at, at + KEY_LENGTH));
      if (!candidates) continue;
      for (const secret of candidates) if (line.startsWith(secret, at)) found.add(secret);
    }
    return [...found];
  }
}

/** Every scanned line containing a recorded secret, as `file: line` with the secret masked. */
export function scanLogsForSecrets(dir: string): { files: number; lines: Record<string, number>; secrets: number; leaks: string[] } {
  const secretsFile = path.join(dir, 'secrets.txt');
  const index = new SecretIndex(fs.existsSync(secretsFile) ? fs.readFileSync(secretsFile, 'utf8').split('\n') : []);
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
      const found = index.find(line);
      if (found.length > 0)
        leaks.push(`${name}: ${found.reduce((masked, secret) => masked.split(secret).join('[SECRET]'), line).slice(0, 300)}`);
    }
  }
  return { files, lines, secrets: index.size, leaks };
}
