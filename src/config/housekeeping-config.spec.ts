import { ConfigError } from './config.error';
import { loadConfig } from './load-config';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.variable}: ${problem.detail}`);
    throw error;
  }
  return [];
}

describe('housekeeping and retention configuration', () => {
  it('runs every 10 minutes in batches of 1000 and keeps webhooks and notifications 30 days, events 365, by default', () => {
    const config = loadConfig({});
    expect(config.housekeeping).toEqual({ enabled: true, cron: '0 */10 * * * *', batchSize: 1000 });
    expect(config.retention).toEqual({ webhooksDays: 30, notificationsDays: 30, eventsDays: 365 });
  });

  it('reads HOUSEKEEPING_* and RETENTION_* independently of the refresh scheduler', () => {
    const config = loadConfig({
      REFRESH_SCHEDULER_ENABLED: 'false',
      HOUSEKEEPING_CRON: '0 0 * * * *',
      HOUSEKEEPING_BATCH_SIZE: '50',
      RETENTION_WEBHOOKS_DAYS: '7',
      RETENTION_NOTIFICATIONS_DAYS: '3',
      RETENTION_EVENTS_DAYS: '90',
    });
    expect(config.housekeeping).toEqual({ enabled: true, cron: '0 0 * * * *', batchSize: 50 });
    expect(config.retention).toEqual({ webhooksDays: 7, notificationsDays: 3, eventsDays: 90 });
    expect(loadConfig({ HOUSEKEEPING_ENABLED: 'false' }).housekeeping.enabled).toBe(false);
  });

  it('refuses a bad cron, batch size, switch or retention naming each variable', () => {
    expect(
      problemsOf({
        HOUSEKEEPING_CRON: 'every ten minutes',
        HOUSEKEEPING_BATCH_SIZE: '0',
        HOUSEKEEPING_ENABLED: 'yes',
        RETENTION_WEBHOOKS_DAYS: '0',
      }),
    ).toEqual([
      expect.stringMatching(/^RETENTION_WEBHOOKS_DAYS: /),
      'HOUSEKEEPING_ENABLED: must be true or false',
      expect.stringMatching(/^HOUSEKEEPING_BATCH_SIZE: /),
      'HOUSEKEEPING_CRON: is not a valid cron expression (every ten minutes)',
    ]);
    expect(problemsOf({ HOUSEKEEPING_BATCH_SIZE: '10001' })).toEqual([expect.stringMatching(/^HOUSEKEEPING_BATCH_SIZE: /)]);
  });
});
