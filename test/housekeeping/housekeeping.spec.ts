import { Client } from 'pg';
import { HousekeepingRunSummary, HousekeepingScheduler } from '../../src/housekeeping/housekeeping.scheduler';
import { beginConsent } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';
import { ago, ahead, OldRows, TABLES } from './old-rows';

/** The counter's value per table, as /metrics shows it. */
async function deletedMetric(baseUrl: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  return Object.fromEntries(
    [...text.matchAll(/^tts_housekeeping_deleted_total\{table="([a-z_]+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])]),
  );
}

/** Fails the test, rather than hanging it, when `promise` waits on a lock it should have skipped. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still running after ${ms} ms: it waited on a lock`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function noneDeleted(): HousekeepingRunSummary['deleted'] {
  return Object.fromEntries(TABLES.map((table) => [table, 0])) as HousekeepingRunSummary['deleted'];
}

describe('housekeeping: what is old, by each cutoff', () => {
  let t: TestApp;
  let rows: OldRows;
  let job: HousekeepingScheduler;

  beforeAll(async () => {
    // Retention figures other than the defaults, so the test shows they are read.
    t = await startTestApp({ RETENTION_WEBHOOKS_DAYS: '7', RETENTION_NOTIFICATIONS_DAYS: '3', RETENTION_EVENTS_DAYS: '100' });
    rows = new OldRows(t.db.url);
    job = t.app.get(HousekeepingScheduler);
    await rows.tenant('acme');
  });
  afterAll(async () => {
    await t.close();
  });

  it('deletes exactly the rows past their cutoff, a minute either side of each, and nothing live however old', async () => {
    // OAuth states: dead (expired or consumed) for more than a day.
    await rows.state('state expired a day and a minute ago', { expires: ago('1 day 1 minute') });
    await rows.state('state expired a day less a minute ago', { expires: ago('1 day') + " + interval '1 minute'" });
    await rows.state('state consumed a day and a minute ago', {
      expires: ago('1 day') + " + interval '5 minutes'",
      consumed: ago('1 day 1 minute'),
    });
    await rows.state('state consumed a day less a minute ago', {
      expires: ago('1 day') + " + interval '5 minutes'",
      consumed: ago('1 day') + " + interval '1 minute'",
    });
    await rows.state('state live', { expires: ahead('10 minutes') });
    // Connect sessions: ended (completed, cancelled) or expired for more than a day.
    await rows.session('session expired a day and a minute ago', 'acme', { status: 'pending', expires: ago('1 day 1 minute') });
    await rows.session('session expired a day less a minute ago', 'acme', { status: 'pending', expires: ago('23 hours 59 minutes') });
    await rows.session('session pending, created 6 days ago', 'acme', {
      status: 'pending',
      created: ago('6 days'),
      expires: ahead('1 hour'),
    });
    for (const status of ['completed', 'cancelled'] as const) {
      await rows.session(`session ${status} a day and a minute ago`, 'acme', {
        status,
        expires: ahead('2 days'),
        ended: ago('1 day 1 minute'),
      });
      await rows.session(`session ${status} a day less a minute ago`, 'acme', {
        status,
        expires: ahead('2 days'),
        ended: ago('23 hours 59 minutes'),
      });
    }
    // Webhook de-duplication rows: 7 days, and the margin that covers notifications stamped ahead (10 minutes).
    await rows.delivery('delivery 7 days 11 minutes old', ago('7 days 11 minutes'));
    await rows.delivery('delivery 7 days 9 minutes old', ago('7 days 9 minutes'));
    await rows.delivery('delivery 6 days 23 hours old', ago('6 days 23 hours'));
    // Notifications: delivered or abandoned, 3 days; a pending one never.
    await rows.notification('notification delivered, 3 days 1 minute old', { created: ago('3 days 1 minute'), delivered: ago('3 days') });
    await rows.notification('notification abandoned, 3 days 1 minute old', { created: ago('3 days 1 minute'), failed: ago('2 days') });
    await rows.notification('notification delivered, 3 days less a minute old', {
      created: ago('2 days 23 hours 59 minutes'),
      delivered: ago('1 day'),
    });
    await rows.notification('notification pending, 400 days old', { created: ago('400 days') });
    // Events: 100 days.
    await rows.event('event 100 days 1 minute old', ago('100 days 1 minute'));
    await rows.event('event 100 days less a minute old', ago('99 days 23 hours 59 minutes'));

    // Starting a consent (its state shows as `?`) no longer deletes old states: that is the job's now.
    await beginConsent(new HttpClient(t.baseUrl));
    expect((await rows.remaining()).oauth_states).toContain('state expired a day and a minute ago');

    const summary = await job.runOnce();
    expect(summary).toMatchObject({
      skipped: false,
      failed: [],
      stopped: false,
      deleted: { oauth_states: 2, connect_sessions: 3, webhook_deliveries: 1, notification_outbox: 2, authorization_events: 1 },
    });
    expect(await rows.remaining()).toEqual({
      oauth_states: ['?', 'state consumed a day less a minute ago', 'state expired a day less a minute ago', 'state live'],
      connect_sessions: [
        'session cancelled a day less a minute ago',
        'session completed a day less a minute ago',
        'session expired a day less a minute ago',
        'session pending, created 6 days ago',
      ],
      webhook_deliveries: ['delivery 6 days 23 hours old', 'delivery 7 days 9 minutes old'],
      notification_outbox: ['notification delivered, 3 days less a minute old', 'notification pending, 400 days old'],
      authorization_events: ['event 100 days less a minute old'],
    });
    expect(await deletedMetric(t.baseUrl)).toEqual({
      oauth_states: 2,
      connect_sessions: 3,
      webhook_deliveries: 1,
      notification_outbox: 2,
      authorization_events: 1,
    });

    // Nothing is left to do: one statement per table, nothing deleted.
    expect(await job.runOnce()).toEqual({ skipped: false, deleted: noneDeleted(), statements: 5, failed: [], stopped: false });
  });

  it("deletes a connect session's states with it (ON DELETE CASCADE) and leaves a live session's states", async () => {
    const old = await rows.session('old session', 'acme', { status: 'completed', expires: ago('2 days'), ended: ago('2 days') });
    const live = await rows.session('live session', 'acme', { status: 'pending', expires: ahead('20 minutes') });
    // Not dead by its own dates (a state outlives its session this way only in a test): only the cascade removes it.
    await rows.state('state of the old session', { expires: ahead('10 minutes'), sessionId: old });
    await rows.state('state of the live session', { expires: ahead('10 minutes'), sessionId: live });
    expect((await job.runOnce()).deleted).toMatchObject({ oauth_states: 0, connect_sessions: 1 });
    const left = await rows.remaining();
    expect(left.oauth_states).toContain('state of the live session');
    expect(left.oauth_states).not.toContain('state of the old session');
    expect(left.connect_sessions).toContain('live session');
    expect(left.connect_sessions).not.toContain('old session');
  });
});

describe('housekeeping: in batches that never hold a lock for long', () => {
  let t: TestApp;
  let rows: OldRows;
  let job: HousekeepingScheduler;
  const clients: Client[] = [];

  async function connect(): Promise<Client> {
    const client = new Client({ connectionString: t.db.url });
    await client.connect();
    clients.push(client);
    // A statement that had to wait for the job would fail the test instead of hanging it.
    await client.query("SET statement_timeout = '5s'");
    return client;
  }

  beforeAll(async () => {
    t = await startTestApp({ HOUSEKEEPING_BATCH_SIZE: '2' });
    rows = new OldRows(t.db.url);
    job = t.app.get(HousekeepingScheduler);
    await rows.tenant('acme');
  });
  afterAll(async () => {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    await t.close();
  });

  it('deletes 5 old rows 2 at a time: all gone after one run, in 3 statements', async () => {
    for (let i = 1; i <= 5; i++) await rows.delivery(`old delivery ${i}`, ago('40 days'));
    const summary = await job.runOnce();
    expect(summary.deleted).toEqual({ ...noneDeleted(), webhook_deliveries: 5 });
    // 3 for the deliveries (2, 2, 1), 1 for each other table.
    expect(summary.statements).toBe(3 + 4);
    expect((await rows.remaining()).webhook_deliveries).toEqual([]);
  });

  it('skips a row another transaction holds instead of waiting for it, and deletes it on a later run', async () => {
    await rows.delivery('held delivery', ago('40 days'));
    await rows.delivery('free delivery', ago('40 days'));
    const holder = await connect();
    await holder.query('BEGIN');
    await holder.query("SELECT 1 FROM webhook_deliveries WHERE notification_id = 'held delivery' FOR UPDATE");
    // Resolves although the row stays locked: the job never waited for it.
    expect((await within(job.runOnce(), 10000)).deleted.webhook_deliveries).toBe(1);
    expect((await rows.remaining()).webhook_deliveries).toEqual(['held delivery']);
    await holder.query('ROLLBACK');
    expect((await job.runOnce()).deleted.webhook_deliveries).toBe(1);
    expect((await rows.remaining()).webhook_deliveries).toEqual([]);
  });

  it('commits batch by batch and locks only its own rows: writers go on while a batch waits, and a shutdown stops the run after it', async () => {
    // Five old sessions, deleted oldest first in batches of 2. The newest has a state a test transaction holds,
    // so the third batch's cascade waits for that transaction: the run stays in progress as long as the test says.
    const sessions: string[] = [];
    for (let i = 1; i <= 5; i++) {
      sessions.push(
        await rows.session(`old session ${i}`, 'acme', { status: 'completed', expires: ago(`${10 - i} days`), ended: ago('9 days') }),
      );
    }
    const pending = await rows.session('pending session', 'acme', { status: 'pending', expires: ahead('20 minutes') });
    await rows.state('held state', { expires: ahead('10 minutes'), sessionId: sessions[4] });
    await rows.delivery('old delivery, not reached yet', ago('40 days'));
    const holder = await connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM oauth_states WHERE connect_session_id = $1 FOR UPDATE', [sessions[4]]);

    const run = job.runOnce();
    const writer = await connect();
    await waitFor(async () => {
      const { rows: waiting } = await writer.query(
        `SELECT 1 FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM connect_sessions%'`,
      );
      return waiting.length > 0;
    }, 10000);

    // The first two batches are committed; the third, still open, holds only its own row.
    const { rows: visible } = await writer.query<{ id: string }>('SELECT id FROM connect_sessions WHERE id = ANY($1)', [sessions]);
    expect(visible.map((row) => row.id)).toEqual([sessions[4]]);
    // Writers of other rows of the same tables do not wait.
    await writer.query(
      `INSERT INTO connect_sessions (id, token_hash, tenant_id, created_by_key_id, expires_at)
       VALUES (gen_random_uuid(), repeat('a', 64), 'acme', 'admin', now() + interval '30 minutes')`,
    );
    await writer.query("UPDATE connect_sessions SET return_url = 'https://app.example.com/back' WHERE id = $1", [pending]);
    await writer.query(
      "INSERT INTO oauth_states (state_hash, browser_hash, expires_at, connect_session_id) VALUES (repeat('b', 64), repeat('b', 64), now() + interval '10 minutes', $1)",
      [pending],
    );
    await writer.query("UPDATE webhook_deliveries SET outcome = 'touched' WHERE notification_id = 'old delivery, not reached yet'");
    await writer.query("INSERT INTO webhook_deliveries (notification_id, type, outcome) VALUES ('new delivery', 1, 'ignored')");

    // A shutdown now lets the batch in progress finish, then stops before the next table.
    const destroyed = job.onModuleDestroy();
    await holder.query('COMMIT');
    const summary = await run;
    await destroyed;
    expect(summary).toMatchObject({ stopped: true, failed: [], deleted: { oauth_states: 0, connect_sessions: 5, webhook_deliveries: 0 } });
    const left = await rows.remaining();
    expect(left.connect_sessions).toEqual(['?', 'pending session']);
    expect(left.oauth_states).toEqual(['?']);
    expect(left.webhook_deliveries).toEqual(['new delivery', 'old delivery, not reached yet']);
  });
});

describe('housekeeping: on its schedule', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ HOUSEKEEPING_ENABLED: 'true', HOUSEKEEPING_CRON: '* * * * * *' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs by itself with HOUSEKEEPING_ENABLED and HOUSEKEEPING_CRON', async () => {
    const rows = new OldRows(t.db.url);
    await rows.event('old event', ago('400 days'));
    await waitFor(async () => (await rows.remaining()).authorization_events.length === 0, 10000, 100);
    expect((await deletedMetric(t.baseUrl)).authorization_events).toBe(1);
  });
});
