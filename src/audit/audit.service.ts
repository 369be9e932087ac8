import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AuditEventsRepository } from './audit-events.repository';
import type { AuditEventView } from './dto/audit-event.dto';
import type { AuditAction } from './entities/audit-event.entity';

/** Records admin actions and lists them. The caller passes the acting key's id (access's `actorKeyId`). */
@Injectable()
export class AuditService {
  constructor(private readonly events: AuditEventsRepository) {}

  /**
   * Records `action` by `actorKeyId` on `targetId`. Pass the action's own transaction, so that a change is never
   * without its record. `detail` must never hold a key, token or secret.
   */
  record(
    actorKeyId: string,
    action: AuditAction,
    targetId: string,
    detail: Record<string, unknown>,
    manager?: EntityManager,
  ): Promise<void> {
    return this.events.record({ actorKeyId, action, targetId, detail }, manager);
  }

  async list(page: number, limit: number): Promise<{ events: AuditEventView[]; page: number; limit: number }> {
    const rows = await this.events.page(page, limit);
    return {
      events: rows.map((row) => ({
        id: String(row.id),
        actor_key_id: row.actorKeyId,
        action: row.action,
        target_id: row.targetId,
        detail: row.detail,
        created_at: row.createdAt.toISOString(),
      })),
      page,
      limit,
    };
  }
}
