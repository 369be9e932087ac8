import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { columnOf, requireId, selectColumns } from '../database/columns';
import { AuditEvent } from './entities/audit-event.entity';

export type NewAuditEvent = Pick<AuditEvent, 'actorKeyId' | 'action' | 'targetId' | 'detail'>;
export type AuditEventRow = Pick<AuditEvent, 'id' | 'actorKeyId' | 'action' | 'targetId' | 'detail' | 'createdAt'>;

const INSERT = `INSERT INTO audit_events (${(['actorKeyId', 'action', 'targetId', 'detail'] as const)
  .map((property) => columnOf(AuditEvent, property))
  .join(', ')}) VALUES ($1, $2, $3, $4::jsonb)`;
const EVENT = selectColumns(AuditEvent, 'a', ['id', 'actorKeyId', 'action', 'targetId', 'detail', 'createdAt']);

/** audit_events, the append-only record of admin actions. Pass the action's manager so both commit (or not) together. */
@Injectable()
export class AuditEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async record(event: NewAuditEvent, manager?: EntityManager): Promise<void> {
    await (manager ?? this.dataSource).query(INSERT, [
      requireId(event.actorKeyId, 'the acting key id'),
      event.action,
      requireId(event.targetId, 'the target id'),
      JSON.stringify(event.detail, wellFormed),
    ]);
  }

  /** Newest first (ids grow with every insert; the primary key's index serves the order). */
  page(page: number, limit: number): Promise<AuditEventRow[]> {
    return this.dataSource.query<AuditEventRow[]>(`SELECT ${EVENT} FROM audit_events a ORDER BY a.id DESC LIMIT $1 OFFSET $2`, [
      limit,
      (page - 1) * limit,
    ]);
  }
}

/**
 * A lone UTF-16 surrogate (valid in a JavaScript string, e.g. a key's name) becomes U+FFFD, as node-postgres
 * stores it in a text column; left alone JSON.stringify writes it as a `\ud800` escape, which jsonb refuses.
 */
function wellFormed(_key: string, value: unknown): unknown {
  return typeof value === 'string'
    ? value.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    : value;
}
