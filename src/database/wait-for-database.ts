import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { ConfigError } from '../config/config.error';

/** Host, port and database only: the URL's password must never reach a message. */
export function describeDatabase(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the configured server';
  }
}

export interface WaitOptions {
  /** Give up after this long (the server may still be starting, as under docker compose). */
  timeoutMs?: number;
  /** Pause between attempts. */
  intervalMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

/** One attempt; the error code (or message) when it fails. */
async function tryConnect(url: string, timeoutMs: number): Promise<{ code?: string; reason: string } | undefined> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    return { code, reason: code ?? message ?? 'unknown error' };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Waits until PostgreSQL accepts a connection, saying at the first failed attempt that it waits and for how
 * long, then gives up with one line naming DATABASE_URL instead of a driver stack trace.
 */
export async function waitForDatabase(url: string, options: WaitOptions = {}): Promise<void> {
  const { timeoutMs = 15000, intervalMs = 1000, logger = new Logger('Database') } = options;
  const deadline = Date.now() + timeoutMs;
  const target = describeDatabase(url);
  // The first attempt is short, so that an unroutable host is reported within a second, not after 3.
  let attemptMs = Math.min(1000, timeoutMs);
  for (let attempt = 1; ; attempt += 1) {
    const failure = await tryConnect(url, attemptMs);
    if (!failure) return;
    // Wrong credentials or database will not fix themselves.
    const permanent = failure.code === '28P01' || failure.code === '28000' || failure.code === '3D000';
    const left = deadline - Date.now();
    if (permanent || left <= 0) {
      throw new ConfigError(
        'DATABASE_URL',
        `cannot connect to ${target} (${failure.reason})${permanent ? '' : ` after waiting ${Math.round(timeoutMs / 1000)} s`}`,
      );
    }
    if (attempt === 1) {
      logger.warn(
        `PostgreSQL at ${target} does not answer yet (${failure.reason}): waiting up to ${Math.round(timeoutMs / 1000)} s for it`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, left)));
    attemptMs = Math.max(100, Math.min(3000, deadline - Date.now()));
  }
}
