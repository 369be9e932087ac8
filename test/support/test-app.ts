import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../../src/app.factory';
import { DEVELOPMENT_ADMIN_KEY_FILE } from '../../src/common/crypto/development-file';
import { AppConfig } from '../../src/config/app-config';
import { loadConfig } from '../../src/config/load-config';
import { freePort } from '../../src/database/embedded-postgres';
import { rememberAdminKey } from './consent';
import { createTestDatabase, TestDatabase } from './database';
import { recordSecrets, testLogFile } from './secrets';

export interface TestApp {
  app: NestExpressApplication;
  config: AppConfig;
  /** e.g. http://127.0.0.1:41234 */
  baseUrl: string;
  db: TestDatabase;
  /** The ADMIN_API_KEY this instance runs with. */
  adminKey: string;
  close(): Promise<void>;
}

export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** Secrets several instances of one test share (they sit on one database). */
export function sharedSecrets(): NodeJS.ProcessEnv {
  return { ADMIN_API_KEY: randomSecret(), API_KEY_HMAC_SECRET: randomSecret(), TOKEN_ENCRYPTION_KEYS: testEncryptionKeys() };
}

export function testEncryptionKeys(): string {
  return `test-${randomBytes(3).toString('hex')}:${randomBytes(32).toString('base64')}`;
}

/**
 * The whole service on its own database and a free loopback port, sandbox on unless `env` says otherwise.
 * Every test talks to it over real HTTP.
 */
export async function startTestApp(env: NodeJS.ProcessEnv = {}, existingDb?: TestDatabase): Promise<TestApp> {
  const db = existingDb ?? (await createTestDatabase());
  const port = await freePort();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-app-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: '5',
    DATA_DIR: dataDir,
    TOKEN_ENCRYPTION_KEYS: testEncryptionKeys(),
    TIKTOK_HTTP_TIMEOUT_MS: '2000',
    ADMIN_API_KEY: randomSecret(),
    API_KEY_HMAC_SECRET: randomSecret(),
    // Tests drive refresh runs themselves (RefreshScheduler.runOnce) unless they enable the cron.
    REFRESH_SCHEDULER_ENABLED: 'false',
    // Likewise the housekeeping job (HousekeepingScheduler.runOnce): rows a test ages must not vanish mid-test.
    HOUSEKEEPING_ENABLED: 'false',
    // Every instance logs as in production, into a file the global teardown scans for secrets.
    LOG_FILE: process.env.TEST_LOGS ? undefined : testLogFile(),
    // Tests drive many consents from one address; the rate-limit tests set their own limits.
    RATE_LIMIT_PER_MINUTE: '100000',
    // Many tests change rows behind the service's back (expiries, statuses) to set up a case; the cache
    // would rightly not hear of it. Its own tests turn it on.
    TOKEN_CACHE_ENABLED: 'false',
    ...env,
  });
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const baseUrl = `http://127.0.0.1:${port}`;
  // Without ADMIN_API_KEY the instance generated one into DATA_DIR (development), as a developer would find it.
  const adminKey = config.adminApiKey || readDevelopmentAdminKey(config);
  rememberAdminKey(baseUrl, adminKey);
  return {
    app,
    config,
    baseUrl,
    db,
    adminKey: adminKey ?? '',
    close: async () => {
      await recordSecretsOf(config, app, adminKey);
      await app.close();
      rememberAdminKey(baseUrl, undefined);
      if (!existingDb) await db.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function readDevelopmentAdminKey(config: AppConfig): string | undefined {
  try {
    return fs.readFileSync(path.join(config.dataDir, DEVELOPMENT_ADMIN_KEY_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** The secrets this instance knows (and, in sandbox mode, every token its emulator issued), for the log scan. */
async function recordSecretsOf(config: AppConfig, app: NestExpressApplication, adminKey: string | undefined): Promise<void> {
  const secrets = [
    adminKey,
    config.apiKeyHmacSecret,
    ...config.tiktok.apps.map((tiktokApp) => tiktokApp.appSecret),
    config.notify?.secret,
    config.metrics.token,
    ...(config.encryptionKeys ?? []).map((k) => k.key.toString('base64')),
  ];
  if (config.sandbox.enabled) {
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    const headers = { authorization: `Bearer ${adminKey}` };
    // Undefined: the emulator is gone already, nothing more to record. Any other refusal would hide its tokens
    // from the scan, so it fails the test.
    const response = await fetch(`${url}/sandbox/_control/stats`, { headers }).catch(() => undefined);
    if (response && !response.ok) throw new Error(`sandbox stats for the secret scan: ${response.status}`);
    if (response) {
      const stats = (await response.json()) as { issued: Record<string, string[]> };
      secrets.push(...Object.values(stats.issued).flat());
    }
  }
  recordSecrets(secrets.filter((secret): secret is string => typeof secret === 'string' && secret.length >= 8));
}
