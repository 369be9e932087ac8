import { Client } from 'pg';
import { ConfigError } from '../config/config.error';

/** Host and port only: the URL's password must never reach a message. */
function describe(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    return 'the configured server';
  }
}

/**
 * Waits until PostgreSQL accepts a connection (it may still be starting, as under docker compose), then
 * gives up with one line naming DATABASE_URL instead of a driver stack trace.
 */
export async function waitForDatabase(url: string, attempts = 15, delayMs = 1000): Promise<void> {
  let lastError = '';
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const client = new Client({ connectionString: url, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      const { code, message } = error as { code?: string; message?: string };
      lastError = code ?? message ?? 'unknown error';
      // Wrong credentials or database will not fix themselves.
      if (code === '28P01' || code === '28000' || code === '3D000') break;
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, delayMs));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  throw new ConfigError('DATABASE_URL', `cannot connect to ${describe(url)} (${lastError})`);
}
