import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { requireId, selectColumns } from '../database/columns';
import { Tenant } from './entities/tenant.entity';

const TENANT = selectColumns(Tenant, 't', ['tenantId', 'name', 'metadata', 'createdAt', 'updatedAt']);

export type TenantRow = Pick<Tenant, 'tenantId' | 'name' | 'metadata' | 'createdAt' | 'updatedAt'>;

/** tenants: the product's customers. Every method takes the tenant id it touches and refuses an empty one. */
@Injectable()
export class TenantsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Creates or updates the tenant; `created` tells which, `changed` whether anything was written (an update that
   * changes nothing keeps updated_at). Metadata left undefined: {} on create, the stored one kept on update.
   */
  async upsert(
    tenant: Pick<Tenant, 'tenantId' | 'name'> & { metadata?: Tenant['metadata'] },
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TenantRow & { created: boolean; changed: boolean }> {
    const [row] = await manager.query<(TenantRow & { created: boolean; changed: boolean })[]>(
      `INSERT INTO tenants AS t (tenant_id, name, metadata) VALUES ($1, $2, COALESCE($3::jsonb, '{}'::jsonb))
       ON CONFLICT (tenant_id) DO UPDATE SET name = EXCLUDED.name, metadata = COALESCE($3::jsonb, t.metadata),
         updated_at = CASE WHEN t.name = EXCLUDED.name AND t.metadata = COALESCE($3::jsonb, t.metadata) THEN t.updated_at ELSE now() END
       RETURNING ${TENANT}, (xmax = 0) AS created, (t.updated_at = now()) AS changed`,
      [requireId(tenant.tenantId, 'a tenant id'), tenant.name, tenant.metadata === undefined ? null : JSON.stringify(tenant.metadata)],
    );
    return row;
  }

  async find(tenantId: string, manager: EntityManager = this.dataSource.manager): Promise<TenantRow | null> {
    const [row] = await manager.query<TenantRow[]>(`SELECT ${TENANT} FROM tenants t WHERE t.tenant_id = $1`, [
      requireId(tenantId, 'a tenant id'),
    ]);
    return row ?? null;
  }

  /** Locks the tenant row (an offboarding against a concurrent one, or a consent landing on it). */
  async lock(manager: EntityManager, tenantId: string): Promise<TenantRow | null> {
    const [row] = await manager.query<TenantRow[]>(`SELECT ${TENANT} FROM tenants t WHERE t.tenant_id = $1 FOR UPDATE`, [
      requireId(tenantId, 'a tenant id'),
    ]);
    return row ?? null;
  }

  /**
   * Locks the tenants' rows FOR SHARE, in tenant_id order (a consent landing on them: an offboarding, which
   * takes its tenant FOR UPDATE, waits, and a consent never lands on a tenant being deleted). Returns the ids
   * that exist.
   */
  async lockShared(manager: EntityManager, tenantIds: readonly string[]): Promise<string[]> {
    if (tenantIds.length === 0) return [];
    for (const id of tenantIds) requireId(id, 'a tenant id');
    const rows = await manager.query<{ tenantId: string }[]>(
      `SELECT tenant_id AS "tenantId" FROM tenants WHERE tenant_id = ANY($1::varchar[]) ORDER BY tenant_id FOR SHARE`,
      [[...new Set(tenantIds)]],
    );
    return rows.map((row) => row.tenantId);
  }

  /** A page in tenant_id order, after `after` (exclusive). */
  async page(limit: number, after: string | undefined): Promise<TenantRow[]> {
    return this.dataSource.query<TenantRow[]>(
      `SELECT ${TENANT} FROM tenants t WHERE ($1::varchar IS NULL OR t.tenant_id > $1) ORDER BY t.tenant_id LIMIT $2`,
      [after ?? null, limit],
    );
  }

  /** Removes the tenant row; false when there was none. */
  async delete(manager: EntityManager, tenantId: string): Promise<boolean> {
    const [rows] = await manager.query<[unknown[], number]>(`DELETE FROM tenants WHERE tenant_id = $1 RETURNING tenant_id`, [
      requireId(tenantId, 'a tenant id'),
    ]);
    return rows.length > 0;
  }
}
