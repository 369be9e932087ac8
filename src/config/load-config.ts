import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import path from 'node:path';
import { AppConfig } from './app-config';
import { ConfigError } from './config.error';
import {
  accessSection,
  authSection,
  notifySection,
  refreshSection,
  sandboxSection,
  stripSlash,
  tiktokSection,
  tokensSection,
} from './config-sections';
import { EnvironmentVariables } from './environment';
import { parseTrustProxy } from './http-config';

const TYPE_CONSTRAINTS = ['isInt', 'isBoolean', 'isString', 'isUrl', 'matches', 'isIn'];

function firstError(env: EnvironmentVariables): ConfigError | undefined {
  const [error] = validateSync(env, { forbidUnknownValues: false });
  if (!error) return undefined;
  // A wrong type says more than a range check on the same value.
  const constraints = error.constraints ?? {};
  const key = TYPE_CONSTRAINTS.find((name) => name in constraints) ?? Object.keys(constraints)[0];
  const detail = (key && constraints[key]) || 'is invalid';
  return new ConfigError(error.property, detail.replace(`${error.property} `, ''));
}

/**
 * Reads and validates the environment. Throws {@link ConfigError} naming the first bad variable. Each domain
 * resolves its own section (config-sections.ts), in this order, so the first problem reported is the same
 * whatever else is wrong.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = plainToInstance(EnvironmentVariables, { ...source }, { excludeExtraneousValues: false });
  const error = firstError(env);
  if (error) throw error;

  const nodeEnv = env.NODE_ENV ?? 'development';
  const port = env.PORT ?? 3000;
  const publicBaseUrl = stripSlash(env.PUBLIC_BASE_URL ?? `http://localhost:${port}`);
  const sandbox = sandboxSection(env, nodeEnv);
  const tiktok = tiktokSection(env, sandbox.enabled, port, publicBaseUrl);
  const access = accessSection(env, nodeEnv);
  const notify = notifySection(env);
  const refresh = refreshSection(env);
  return Object.assign(new AppConfig(), {
    nodeEnv,
    port,
    host: env.HOST ?? '0.0.0.0',
    publicBaseUrl,
    http: { trustProxy: parseTrustProxy(env.TRUST_PROXY), requestTimeoutSeconds: env.HTTP_REQUEST_TIMEOUT_SECONDS ?? 30 },
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE ?? 10,
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    tiktok,
    sandbox,
    ...access,
    auth: authSection(env, publicBaseUrl),
    rateLimit: { perMinute: env.RATE_LIMIT_PER_MINUTE ?? 120, webhooksPerMinute: env.RATE_LIMIT_WEBHOOKS_PER_MINUTE ?? 6000 },
    tokens: tokensSection(env),
    log: { level: env.LOG_LEVEL ?? 'info', file: env.LOG_FILE ? path.resolve(env.LOG_FILE) : null },
    notify,
    refresh,
  });
}
