import { ConfigError } from '../config/config.error';
import { freePort } from './embedded-postgres';
import { describeDatabase, waitForDatabase } from './wait-for-database';

describe('waitForDatabase', () => {
  it('says at the first failed attempt that it waits and for how long, then gives up naming DATABASE_URL', async () => {
    const port = await freePort();
    const warnings: { at: number; message: string }[] = [];
    const started = Date.now();
    const failure = await waitForDatabase(`postgresql://u:secret-pw@127.0.0.1:${port}/tts`, {
      timeoutMs: 2000,
      intervalMs: 100,
      logger: { warn: (message: unknown) => void warnings.push({ at: Date.now() - started, message: String(message) }) },
    }).catch((error: unknown) => error);
    const elapsed = Date.now() - started;

    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as ConfigError).message).toBe(`DATABASE_URL: cannot connect to 127.0.0.1:${port}/tts (ECONNREFUSED) after waiting 2 s`);
    expect(elapsed).toBeGreaterThanOrEqual(2000);
    expect(warnings.map((warning) => warning.message)).toEqual([
      `PostgreSQL at 127.0.0.1:${port}/tts does not answer yet (ECONNREFUSED): waiting up to 2 s for it`,
    ]);
    // Said when waiting began, not when it ended.
    expect(warnings[0].at).toBeLessThan(1000);
  });

  it('returns at once, saying nothing, when PostgreSQL answers', async () => {
    const warnings: unknown[] = [];
    await waitForDatabase(process.env.DATABASE_URL ?? '', { logger: { warn: (message: unknown) => void warnings.push(message) } });
    expect(warnings).toEqual([]);
  });

  it('never shows the password', () => {
    expect(describeDatabase('postgresql://user:pw@db.internal:6543/tokens')).toBe('db.internal:6543/tokens');
    expect(describeDatabase('postgresql://user:pw@db.internal/tokens')).toBe('db.internal:5432/tokens');
  });
});
