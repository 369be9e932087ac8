import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import { AppConfig } from '../../config/app-config';

export const INVALIDATION_CHANNEL = 'tts_invalidate';

export type Invalidation = { kind: 'authorization'; id: string } | { kind: 'api_key'; id: string } | { kind: 'all' };

type Listener = (message: Invalidation) => void;

/**
 * Tells every replica's in-process caches what changed, through PostgreSQL LISTEN/NOTIFY: a notification
 * sent inside a transaction is delivered when (and only if) it commits, to every listening replica, within
 * milliseconds. While this instance's listening connection is down, `healthy` is false and the caches serve
 * nothing from memory, so a missed notification can never keep a revoked token in use.
 */
@Injectable()
export class InvalidationBus implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(InvalidationBus.name);
  private readonly listeners: Listener[] = [];
  private client?: Client;
  private stopping = false;
  private reconnectTimer?: NodeJS.Timeout;
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
    await this.client?.end().catch(() => undefined);
  }

  private deliver(message: Invalidation): void {
    for (const listener of this.listeners) listener(message);
  }

  private async connect(): Promise<void> {
    if (this.stopping || !this.config.databaseUrl) return;
    const client = new Client({ connectionString: this.config.databaseUrl, connectionTimeoutMillis: 5000 });
    const lost = (): void => {
      if (this.client !== client) return;
      this.client = undefined;
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
      this.client = client;
      // Anything may have changed while nobody listened.
      this.deliver({ kind: 'all' });
      this.healthy = true;
    } catch {
      await client.end().catch(() => undefined);
      if (!this.stopping) this.reconnectTimer = setTimeout(() => void this.connect(), 1000);
    }
  }
}
