import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { describeError } from '../common/errors/describe-error';

export const INVALIDATION_CHANNEL = 'tts_invalidate';

export type Invalidation = { kind: 'authorization'; id: string } | { kind: 'api_key'; id: string } | { kind: 'all' };

type Listener = (message: Invalidation) => void;

/**
 * Tells every replica's in-process caches what changed, through PostgreSQL LISTEN/NOTIFY: a notification
 * sent inside a transaction is delivered when (and only if) it commits, to every listening replica, within
 * milliseconds. While this instance's listening connection is down, `healthy` is false and the caches serve
 * nothing from memory, so a missed notification can never keep a revoked token in use.
 */
/** How often the listening connection proves it is alive. */
const HEARTBEAT_MS = 10_000;

@Injectable()
export class InvalidationBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InvalidationBus.name);
  private readonly listeners: Listener[] = [];
  private client?: Client;
  private stopping = false;
  private reconnectTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  /** Logged once per outage, not once a second. */
  private connectFailureLogged = false;
  healthy = false;

  constructor(private readonly config: AppConfig) {}

  subscribe(listener: Listener): void {
    this.listeners.push(listener);
  }

  /** Sends `message` when the caller's transaction commits; this instance forgets at once, too. */
  async publish(manager: EntityManager, message: Invalidation): Promise<void> {
    const { channel, payload } = this.announce(message);
    await manager.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  /**
   * `publish` for a caller that calls `pg_notify(channel, payload)` inside a statement of its own (one round
   * trip less): this instance forgets at once, the other replicas when that statement's transaction commits.
   */
  announce(message: Invalidation): { channel: string; payload: string } {
    this.deliver(message);
    return { channel: INVALIDATION_CHANNEL, payload: JSON.stringify(message) };
  }

  async onApplicationBootstrap(): Promise<void> {
    // With the cache off the bus stays unhealthy, so the caches never answer; publishing still works.
    if (this.config.tokens.cache) await this.connect();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    await this.client?.end().catch(() => undefined);
  }

  private deliver(message: Invalidation): void {
    for (const listener of this.listeners) listener(message);
  }

  private async connect(): Promise<void> {
    if (this.stopping || !this.config.databaseUrl) return;
    // query_timeout and the heartbeat below: a connection a NAT or firewall dropped without a word sends no
    // error or end, and a LISTEN that hears nothing while `healthy` stays true would keep revoked tokens in use.
    const client = new Client({
      connectionString: this.config.databaseUrl,
      connectionTimeoutMillis: 5000,
      query_timeout: 5000,
      keepAlive: true,
    });
    const lost = (): void => {
      if (this.client !== client) return;
      this.client = undefined;
      clearInterval(this.heartbeat);
      this.healthy = false;
      this.deliver({ kind: 'all' });
      if (!this.stopping) {
        this.logger.warn('cache invalidation channel lost; caches bypassed until it is back');
        this.reconnectTimer = setTimeout(() => void this.connect(), 1000);
      }
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (notification) => {
      try {
        this.deliver(JSON.parse(notification.payload ?? '') as Invalidation);
      } catch {
        this.deliver({ kind: 'all' });
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${INVALIDATION_CHANNEL}`);
      if (this.stopping) {
        await client.end().catch(() => undefined);
        return;
      }
      this.client = client;
      this.connectFailureLogged = false;
      this.heartbeat = setInterval(
        () => void client.query('SELECT 1').catch(() => client.end().catch(() => undefined)),
        HEARTBEAT_MS,
      ).unref();
      // Anything may have changed while nobody listened.
      this.deliver({ kind: 'all' });
      this.healthy = true;
    } catch (error) {
      await client.end().catch(() => undefined);
      if (this.stopping) return;
      if (!this.connectFailureLogged) {
        this.connectFailureLogged = true;
        this.logger.warn(`cache invalidation channel cannot connect (${describeError(error)}); caches bypassed, retrying every second`);
      }
      this.reconnectTimer = setTimeout(() => void this.connect(), 1000);
    }
  }
}
