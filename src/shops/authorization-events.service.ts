import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuthorizationEvent, AuthorizationEventType } from './entities/authorization-event.entity';

export interface NewAuthorizationEvent {
  type: AuthorizationEventType;
  authorizationId?: string | null;
  openId?: string | null;
  shopId?: string | null;
  /** Never a token, auth code or secret. */
  detail?: Record<string, unknown>;
}

/** The append-only event log. Pass the transaction's manager so an event commits (or not) with its change. */
@Injectable()
export class AuthorizationEventsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(events: NewAuthorizationEvent | NewAuthorizationEvent[], manager?: EntityManager): Promise<void> {
    const list = Array.isArray(events) ? events : [events];
    if (list.length === 0) return;
    const target = manager ?? this.dataSource.manager;
    const rows = list.map((event) =>
      Object.assign(new AuthorizationEvent(), {
        type: event.type,
        authorizationId: event.authorizationId ?? null,
        openId: event.openId ?? null,
        shopId: event.shopId ?? null,
        detail: event.detail ?? {},
      }),
    );
    await target.save(rows, { reload: false });
  }
}
