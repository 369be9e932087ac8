import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureBuilt } from './built-service';

const ROOT = path.resolve(__dirname, '../..');

export interface PostgresProcess {
  url: string;
  /** Stops the server (fast shutdown: sessions are terminated, as in a restart or failover). */
  stop(): Promise<void>;
}

/**
 * An embedded PostgreSQL of its own, run by a child Node process (the package is ESM-only, which Jest's
 * module system cannot load): for tests that stop and restart the database server itself. Data stays in
 * `dataDir` between starts; `port` keeps the address.
 */
export async function startPostgresProcess(dataDir: string, port: number, database: string): Promise<PostgresProcess> {
  ensureBuilt();
  const script = `
    const { startEmbeddedPostgres } = require(${JSON.stringify(path.join(ROOT, 'dist/database/embedded-postgres'))});
    const quiet = { log() {}, warn() {} };
    startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: ${port}, database: ${JSON.stringify(database)}, logger: quiet })
      .then((db) => {
        process.stdout.write('READY ' + db.url + '\\n');
        process.on('SIGTERM', () => db.stop().then(() => process.exit(0), () => process.exit(1)));
      })
      .catch((error) => { process.stderr.write(String(error && error.stack || error)); process.exit(1); });`;
  const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL exited (${code}): ${output.slice(-2000)}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
