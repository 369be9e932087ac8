import { createHash, randomUUID } from 'node:crypto';
import { query } from '../support/database';

/** A moment relative to the database's clock, as SQL: `ago('1 day 1 minute')`. */
export const ago = (interval: string): string => `now() - interval '${interval}'`;
export const ahead = (interval: string): string => `now() + interval '${interval}'`;

export const TABLES = ['oauth_states', 'connect_sessions', 'webhook_deliveries', 'notification_outbox', 'authorization_events'] as const;
export type Table = (typeof TABLES)[number];

/**
 * Rows of the tables the housekeeping job cleans, written straight into the database with the ages a test
 * gives them (SQL timestamps: no waiting), each named by a label so a test can say which ones remain.
 */
export class OldRows {
  private readonly stateLabels = new Map<string, string>();
  private readonly sessionLabels = new Map<string, string>();

  constructor(private readonly url: string) {}

  async tenant(tenantId: string): Promise<void> {
    await query(this.url, 'INSERT INTO tenants (tenant_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [tenantId, tenantId]);
  }

  async state(label: string, at: { expires: string; consumed?: string; sessionId?: string }): Promise<string> {
    const hash = createHash('sha256').update(label).digest('hex');
    this.stateLabels.set(hash, label);
    await query(
      this.url,
      `INSERT INTO oauth_states (state_hash, browser_hash, created_at, expires_at, consumed_at, connect_session_id)
       VALUES ($1, $1, (${at.expires}) - interval '10 minutes', ${at.expires}, ${at.consumed ?? 'NULL'}, $2)`,
      [hash, at.sessionId ?? null],
    );
    return hash;
  }

  /** A session of `tenantId` (which must exist); returns its id. */
  async session(
    label: string,
    tenantId: string,
    at: { status: 'pending' | 'completed' | 'cancelled'; expires: string; ended?: string; created?: string },
  ): Promise<string> {
    const id = randomUUID();
    this.sessionLabels.set(id, label);
    await query(
      this.url,
      `INSERT INTO connect_sessions (id, token_hash, tenant_id, status, created_by_key_id, created_at, expires_at, ended_at)
       VALUES ($1, $2, $3, $4, 'admin', ${at.created ?? `(${at.expires}) - interval '30 minutes'`}, ${at.expires}, ${at.ended ?? 'NULL'})`,
      [id, createHash('sha256').update(id).digest('hex'), tenantId, at.status],
    );
    return id;
  }

  async delivery(label: string, received: string): Promise<void> {
    await query(
      this.url,
      `INSERT INTO webhook_deliveries (notification_id, type, shop_id, outcome, received_at) VALUES ($1, 6, NULL, 'revoked', ${received})`,
      [label],
    );
  }

  async notification(label: string, at: { created: string; delivered?: string; failed?: string }): Promise<void> {
    await query(
      this.url,
      `INSERT INTO notification_outbox (event_id, type, payload, created_at, delivered_at, failed_at)
       VALUES ($1, 'authorization.status_changed', $2, ${at.created}, ${at.delivered ?? 'NULL'}, ${at.failed ?? 'NULL'})`,
      [randomUUID(), { label }],
    );
  }

  async event(label: string, created: string): Promise<void> {
    await query(this.url, `INSERT INTO authorization_events (type, detail, created_at) VALUES ('granted', $1, ${created})`, [{ label }]);
  }

  /** The labels of the rows each table still holds (rows a test did not write show as `?`), sorted. */
  async remaining(): Promise<Record<Table, string[]>> {
    const states = await query<{ h: string }>(this.url, 'SELECT state_hash AS h FROM oauth_states');
    const sessions = await query<{ id: string }>(this.url, 'SELECT id FROM connect_sessions');
    const deliveries = await query<{ l: string }>(this.url, 'SELECT notification_id AS l FROM webhook_deliveries');
    const notifications = await query<{ l: string }>(this.url, "SELECT coalesce(payload->>'label', '?') AS l FROM notification_outbox");
    const events = await query<{ l: string }>(this.url, "SELECT coalesce(detail->>'label', '?') AS l FROM authorization_events");
    return {
      oauth_states: states.map((row) => this.stateLabels.get(row.h) ?? '?').sort(),
      connect_sessions: sessions.map((row) => this.sessionLabels.get(row.id) ?? '?').sort(),
      webhook_deliveries: deliveries.map((row) => row.l).sort(),
      notification_outbox: notifications.map((row) => row.l).sort(),
      authorization_events: events.map((row) => row.l).sort(),
    };
  }
}
