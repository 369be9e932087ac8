import { validateCronExpression } from 'cron';
import type { AppConfig } from './app-config';
import type { SectionContext } from './section-context';

/** The origin of an absolute http(s) URL, or null (a relative URL, another scheme, credentials in it). */
export function httpOrigin(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') return null;
  return url.origin;
}

/**
 * CONNECT_RETURN_ORIGINS: comma-separated origins (scheme, host, optional port; no path), compared exactly
 * with a return URL's origin. `https://app.example.com/` is accepted as `https://app.example.com`.
 */
function parseReturnOrigins({ env, problems }: SectionContext): string[] {
  const origins: string[] = [];
  for (const item of (env.CONNECT_RETURN_ORIGINS ?? '').split(',')) {
    const text = item.trim();
    if (text === '') continue;
    const origin = httpOrigin(text);
    const url = origin === null ? null : new URL(text);
    if (origin === null || url === null || (url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
      problems.add('CONNECT_RETURN_ORIGINS', `must list origins like https://app.example.com, not ${JSON.stringify(text.slice(0, 100))}`);
      continue;
    }
    if (!origins.includes(origin)) origins.push(origin);
  }
  return origins;
}

/** Every 10 minutes: often enough that no table grows much between runs, rare enough to cost nothing. */
export const DEFAULT_HOUSEKEEPING_CRON = '0 */10 * * * *';

export function tenancySection(context: SectionContext): Pick<AppConfig, 'tenancy' | 'retention' | 'housekeeping'> {
  const { env, nodeEnv, problems } = context;
  const cron = env.HOUSEKEEPING_CRON ?? DEFAULT_HOUSEKEEPING_CRON;
  if (!validateCronExpression(cron).valid) problems.add('HOUSEKEEPING_CRON', `is not a valid cron expression (${cron})`);
  return {
    tenancy: {
      anonymousConsent: env.AUTH_ANONYMOUS_CONSENT ?? nodeEnv !== 'production',
      connectSessionTtlSeconds: env.CONNECT_SESSION_TTL_SECONDS ?? 1800,
      returnOrigins: parseReturnOrigins(context),
    },
    retention: {
      webhooksDays: env.RETENTION_WEBHOOKS_DAYS ?? 30,
      notificationsDays: env.RETENTION_NOTIFICATIONS_DAYS ?? 30,
      eventsDays: env.RETENTION_EVENTS_DAYS ?? 365,
    },
    housekeeping: { enabled: env.HOUSEKEEPING_ENABLED ?? true, cron, batchSize: env.HOUSEKEEPING_BATCH_SIZE ?? 1000 },
  };
}
