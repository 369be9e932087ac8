import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory';
import { installAppLogger } from './common/logging/app-logger';
import { loadConfig } from './config/load-config';
import { ConfigError } from './config/config.error';
import { startEmbeddedPostgres } from './database/embedded-postgres';
import { waitForDatabase } from './database/wait-for-database';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  const config = loadConfig();
  // The lines before the application exists (the database) are written like the rest (common/logging).
  installAppLogger(config);
  if (!config.databaseUrl) {
    // The embedded-postgres package stops its server itself on SIGINT/SIGTERM and process exit.
    config.databaseUrl = (await startEmbeddedPostgres({ dataDir: config.dataDir })).url;
  }
  await waitForDatabase(config.databaseUrl);
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  logger.log(`listening on ${config.host}:${config.port}; open ${config.publicBaseUrl}/`);
  if (config.sandbox.enabled) logger.warn('TikTok sandbox is ON: consent and token calls go to the built-in emulator');
}

bootstrap().catch((error: unknown) => {
  // One clear line, no stack, for configuration mistakes; a stack for anything unexpected.
  if (error instanceof ConfigError) {
    process.stderr.write(`configuration error: ${error.message}\n`);
  } else {
    process.stderr.write(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
