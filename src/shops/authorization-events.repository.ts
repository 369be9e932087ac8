import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import { DeleteResult, retentionBatch } from '../database/retention-batch';
import { AuthorizationEvent, AuthorizationEventType } from './entities/authorization-event.entity';

export interface NewAuthorizationEvent {
  type: AuthorizationEventType;
  authorizationId?: string | null;
  openId?: string | null;
  shopId?: string | null;
  /** Never a token, auth code or secret. */
  detail?: Record<string, unknown>;
}

export type EventRow = Pick<AuthorizationEvent, 'id' | 'type' | 'shopId' | 'detail' | 'createdAt'>;

const EVENT = selectColumns(AuthorizationEvent, 'e', ['id', 'type', 'shopId', 'detail', 'createdAt']);

/** authorization_events, the append-only log. Pass the transaction's manager so an event commits (or not) with its change. */
@Injectable()
export class AuthorizationEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(events: NewAuthorizationEvent | NewAuthorizationEvent[], manager?: EntityManager): Promise<void> {
    const list = Array.isArray(events) ? events : [events];
    if (list.length === 0) return;
    const rows = list.map((event) =>
      Object.assign(new AuthorizationEvent(), {
        type: event.type,
        authorizationId: event.authorizationId ?? null,
        openId: event.openId ?? null,
        shopId: event.shopId ?? null,
        detail: event.detail ?? {},
      }),
    );
    await (manager ?? this.dataSource.manager).save(rows, { reload: false });
  }

  /**
   * The statement that records one `type` event per row of `source` (a CTE whose `id` is the authorization
   * id), for a statement that writes a change and its event in one round trip. `openId` and `detail` are
   * parameter references (`$9::varchar`, `$10::jsonb`). The same columns {@link record} writes.
   */
  static insertFor(source: string, type: AuthorizationEventType, openId: string, detail: string): string {
    if (!/^[a-z_]+$/.test(type)) throw new Error(`not an event type: ${type}`);
    return `INSERT INTO authorization_events (authorization_id, open_id, shop_id, type, detail)
            SELECT id, ${openId}, NULL, '${type}', ${detail} FROM ${source}`;
  }

  /**
   * The shop's events and its authorization's own events (those not about another shop), newest first. A shop
   * id is unique per app only: the shop's events are those recorded with an authorization of its app
   * (`appKey`), or with none (a webhook's about the shop id).
   */
  forShop(shopId: string, appKey: string, authorizationId: string, page: number, limit: number): Promise<EventRow[]> {
    return this.dataSource.query<EventRow[]>(
      `SELECT ${EVENT} FROM authorization_events e
        WHERE (e.shop_id = $1 AND (e.authorization_id IS NULL
                                   OR EXISTS (SELECT 1 FROM seller_authorizations x WHERE x.id = e.authorization_id AND x.app_key = $5)))
           OR (e.authorization_id = $2 AND e.shop_id IS NULL)
        ORDER BY e.id DESC LIMIT $3 OFFSET $4`,
      [
        requireId(shopId, 'a shop id'),
        requireId(authorizationId, 'an authorization id'),
        limit,
        (page - 1) * limit,
        requireId(appKey, 'an app key'),
      ],
    );
  }

  /** Deletes up to `batchSize` events recorded before `cutoff`; one batch of the housekeeping job (see retentionBatch). */
  async deleteCreatedBefore(cutoff: Date, batchSize: number): Promise<number> {
    const [, deleted] = await this.dataSource.query<DeleteResult>(
      `DELETE FROM authorization_events WHERE id = ANY(ARRAY(
         SELECT id FROM authorization_events WHERE created_at < $1
          ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED))`,
      retentionBatch(cutoff, batchSize),
    );
    return deleted;
  }
}
