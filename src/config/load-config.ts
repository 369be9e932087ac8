import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import path from 'node:path';
import { AppConfig } from './app-config';
import { ConfigProblems } from './config.error';
import {
  accessSection,
  authSection,
  databaseSection,
  notifySection,
  refreshSection,
  sandboxSection,
  type SectionContext,
  stripSlash,
  tiktokSection,
  tokensSection,
} from './config-sections';
import { EnvironmentVariables } from './environment';
import { parseTrustProxy } from './http-config';
import { tenancySection } from './tenancy-config';

const TYPE_CONSTRAINTS = ['isInt', 'isBoolean', 'isString', 'isUrl', 'matches', 'isIn'];

/** Each variable that fails its own checks, recorded once and then left out as if it were unset. */
function checkVariables(env: EnvironmentVariables, problems: ConfigProblems): void {
  for (const error of validateSync(env, { forbidUnknownValues: false })) {
    // A wrong type says more than a range check on the same value.
    const constraints = error.constraints ?? {};
    const key = TYPE_CONSTRAINTS.find((name) => name in constraints) ?? Object.keys(constraints)[0];
    const detail = (key && constraints[key]) || 'is invalid';
    problems.add(error.property, detail.replace(`${error.property} `, ''));
    Reflect.deleteProperty(env, error.property);
  }
}

/** Development and tests listen on loopback only; production (in a container, behind a proxy) on every interface. */
function defaultHost(nodeEnv: AppConfig['nodeEnv']): string {
  return nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1';
}

/**
 * Reads and validates the environment. Throws one {@link ConfigError} listing every bad or missing variable:
 * first those wrong on their own, then the rules spanning several, each domain resolving its own section
 * (config-sections.ts) in a fixed order, so the same mistakes give the same lines.
 */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const env = plainToInstance(EnvironmentVariables, { ...source }, { excludeExtraneousValues: false });
  const problems = new ConfigProblems();
  checkVariables(env, problems);

  const nodeEnv = env.NODE_ENV ?? 'development';
  const context: SectionContext = { env, source, nodeEnv, problems };
  const port = env.PORT ?? 3000;
  const publicBaseUrl = stripSlash(env.PUBLIC_BASE_URL ?? `http://localhost:${port}`);
  const databaseUrl = databaseSection(context);
  const sandbox = sandboxSection(context);
  const tiktok = tiktokSection(context, sandbox.enabled, port, publicBaseUrl);
  const access = accessSection(context);
  const notify = notifySection(context);
  const refresh = refreshSection(context);
  const tenancy = tenancySection(context);
  problems.throwIfAny();
  return Object.assign(new AppConfig(), {
    nodeEnv,
    port,
    host: env.HOST ?? defaultHost(nodeEnv),
    publicBaseUrl,
    http: { trustProxy: parseTrustProxy(env.TRUST_PROXY), requestTimeoutSeconds: env.HTTP_REQUEST_TIMEOUT_SECONDS ?? 30 },
    databaseUrl,
    databasePoolSize: env.DATABASE_POOL_SIZE ?? 10,
    dataDir: path.resolve(env.DATA_DIR ?? '.data'),
    tiktok,
    sandbox,
    ...access,
    auth: authSection(env, publicBaseUrl),
    ...tenancy,
    rateLimit: { perMinute: env.RATE_LIMIT_PER_MINUTE ?? 120, webhooksPerMinute: env.RATE_LIMIT_WEBHOOKS_PER_MINUTE ?? 6000 },
    tokens: tokensSection(env),
    log: { level: env.LOG_LEVEL ?? 'info', file: env.LOG_FILE ? path.resolve(env.LOG_FILE) : null },
    notify,
    refresh,
    metrics: { refreshSeconds: env.METRICS_REFRESH_SECONDS ?? 15, token: env.METRICS_TOKEN ?? null },
  });
}
