import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadOrCreateDevelopmentKey } from '../common/crypto/development-key';
import { countStale, rotateKeys } from '../shops/key-rotation';
import { StoredTokensRepository } from '../shops/stored-tokens.repository';
import { TokenCipher } from '../common/crypto/token-cipher';
import { loadDotEnv } from '../config/dotenv';
import { loadConfig } from '../config/load-config';
import { installAppLogger } from '../common/logging/app-logger';
import { ConfigError } from '../config/config.error';
import { dataSourceOptions } from '../database/data-source-options';
import { ENTITIES } from '../entities';
import { startEmbeddedPostgres } from '../database/embedded-postgres';

/** A one-line progress bar on stderr (a plain line per 10% when stderr is not a terminal). */
function progressBar(): (progress: { done: number; total: number }) => void {
  let lastDecile = -1;
  return ({ done, total }) => {
    const ratio = total === 0 ? 1 : done / total;
    const width = 30;
    const filled = Math.round(ratio * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(ratio * 100)}% ${done}/${total}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`\r${line}`);
    } else if (Math.floor(ratio * 10) !== lastDecile) {
      lastDecile = Math.floor(ratio * 10);
      process.stderr.write(`${line}\n`);
    }
  };
}

/**
 * `npm run keys:rotate`: re-encrypts every stored token with the first key of TOKEN_ENCRYPTION_KEYS. Safe to
 * run while the service runs (restart the service with the new key first, so it writes with it too), and
 * safe to interrupt and run again.
 */
async function main(): Promise<void> {
  // The same configuration as the service's, .env included.
  loadDotEnv();
  const config = loadConfig();
  // Its few log lines (the embedded database, a development key) are written like the service's.
  installAppLogger(config);
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres({ dataDir: config.dataDir });
  let dataSource: DataSource | undefined;
  try {
    const cipher = new TokenCipher(config.encryptionKeys ?? loadOrCreateDevelopmentKey(config.dataDir));
    dataSource = await new DataSource({
      ...dataSourceOptions(embedded?.url ?? config.databaseUrl ?? '', 2, ENTITIES),
      migrations: [],
    }).initialize();
    process.stderr.write(`re-encrypting stored tokens with key "${cipher.currentKeyId}"\n`);
    const tokens = new StoredTokensRepository(dataSource);
    const rewritten = await rotateKeys(tokens, cipher, progressBar());
    if (process.stderr.isTTY) process.stderr.write('\n');
    const left = await countStale(tokens, cipher);
    process.stdout.write(`${rewritten} authorization(s) re-encrypted; ${left} left on older keys\n`);
    if (left > 0) process.exitCode = 1;
  } finally {
    await dataSource?.destroy();
    // An embedded server started here (none was running) must not outlive the script, even when it failed.
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.lines().join('\n')}\n`
      : `key rotation failed: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
