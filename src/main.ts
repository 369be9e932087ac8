import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import net from 'node:net';
import path from 'node:path';
import { createApp } from './app.factory';
import { installAppLogger } from './common/logging/app-logger';
import { DEVELOPMENT_ADMIN_KEY_FILE } from './common/crypto/development-file';
import { AppConfig } from './config/app-config';
import { ConfigError } from './config/config.error';
import { DotEnvFile, loadDotEnv } from './config/dotenv';
import { loadConfig } from './config/load-config';
import { embeddedClusterDir, startEmbeddedPostgres } from './database/embedded-postgres';
import { describeDatabase, waitForDatabase } from './database/wait-for-database';

/** A start-up failure that one setting fixes: printed as its one line, without a stack. */
class StartupError extends Error {}

/** The listen() failures a setting fixes, as the line that names it. */
function listenProblem(error: unknown, config: AppConfig): StartupError | undefined {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return new StartupError(`port ${config.port} is in use: set PORT`);
  if (code === 'EACCES') return new StartupError(`port ${config.port} needs privileges this process does not have: set PORT`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new StartupError(`HOST ${config.host} is not an address of this machine: set HOST`);
  }
  return undefined;
}

/**
 * Binds the port and lets it go again before anything else starts, so that a second instance fails at once
 * with one line instead of starting the database, running migrations and only then failing to listen.
 */
async function checkPort(config: AppConfig): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error) => reject(listenProblem(error, config) ?? error));
    probe.listen({ port: config.port, host: config.host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** The database of this start, said before connecting to it: which server, and where its data lives. */
async function openDatabase(config: AppConfig, logger: Logger): Promise<string> {
  if (config.databaseUrl) {
    logger.log(`database: PostgreSQL at ${describeDatabase(config.databaseUrl)} from DATABASE_URL (its data lives on that server)`);
    return `PostgreSQL at ${describeDatabase(config.databaseUrl)} (DATABASE_URL)`;
  }
  const clusterDir = embeddedClusterDir(config.dataDir);
  logger.log(`database: DATABASE_URL is not set, using an embedded PostgreSQL with its data in ${clusterDir}`);
  // The embedded-postgres package stops its server itself on SIGINT/SIGTERM and process exit.
  config.databaseUrl = (await startEmbeddedPostgres({ dataDir: config.dataDir })).url;
  return `embedded PostgreSQL, data in ${clusterDir} (set DATABASE_URL for another server)`;
}

/** In development a short summary of what a newcomer needs next; elsewhere the one line operators grep for. */
function logReady(config: AppConfig, database: string, logger: Logger): void {
  if (config.nodeEnv !== 'development') {
    logger.log(`listening on ${config.host}:${config.port}; open ${config.publicBaseUrl}/`);
    if (config.sandbox.enabled) logger.warn('TikTok sandbox is ON: consent and token calls go to the built-in emulator');
    return;
  }
  const adminKey = config.adminApiKey ? 'from ADMIN_API_KEY' : `in ${path.join(config.dataDir, DEVELOPMENT_ADMIN_KEY_FILE)}`;
  const sandbox = config.sandbox.enabled
    ? 'on (consent and token calls go to the built-in emulator under /sandbox)'
    : `off (TikTok at ${config.tiktok.authBaseUrl})`;
  logger.log(`ready: open ${config.publicBaseUrl}/ (listening on ${config.host}:${config.port})`);
  logger.log(`database: ${database}`);
  logger.log(`TikTok sandbox: ${sandbox}`);
  // Ids only: an app's key and secret are never logged.
  logger.log(`TikTok apps: ${config.tiktok.apps.map((app, index) => (index === 0 ? `${app.id} (default)` : app.id)).join(', ')}`);
  logger.log(`admin key: ${adminKey}`);
}

function describeDotEnv(dotEnv: DotEnvFile): string {
  const kept = dotEnv.ignored.length ? `; the environment's own ${dotEnv.ignored.join(', ')} win` : '';
  return `read ${dotEnv.applied.length} variable(s) from ${dotEnv.file}${kept}`;
}

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  const dotEnv = loadDotEnv();
  const dotEnvLine = dotEnv && describeDotEnv(dotEnv);
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    // The configuration's mistakes may come from the file: say it was read, before the lines naming them.
    if (dotEnvLine) process.stderr.write(`${dotEnvLine}\n`);
    throw error;
  }
  // The lines before the application exists (the database) are written like the rest (common/logging).
  installAppLogger(config);
  if (dotEnvLine) logger.log(dotEnvLine);
  await checkPort(config);
  const database = await openDatabase(config, logger);
  await waitForDatabase(config.databaseUrl ?? '');
  const app = await createApp(config);
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    // Another process took the port between the check and now.
    throw listenProblem(error, config) ?? error;
  }
  logReady(config, database, logger);
}

bootstrap().catch((error: unknown) => {
  // One line per problem, no stack, for what a setting fixes; a stack for anything unexpected.
  if (error instanceof ConfigError) {
    process.stderr.write(error.lines().join('\n') + '\n');
  } else if (error instanceof StartupError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exit(1);
});
