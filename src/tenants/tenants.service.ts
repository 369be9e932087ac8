import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { PutTenantDto, TenantView } from './dto/tenant.dto';
import { TenantRow, TenantsRepository } from './tenants.repository';

/**
 * The tenants themselves: create or update, list, read. Tenant ids come validated (TenantIdParam); `actorKeyId`
 * (access's actorKeyId) goes to the audit log with each change.
 */
@Injectable()
export class TenantsService {
  constructor(
    private readonly tenants: TenantsRepository,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /**
   * Idempotent: the same body twice is one tenant, and the second call changes nothing (updated_at included).
   * The audit record commits with the change and holds no name (a customer's name may be a person's).
   */
  put(tenantId: string, body: PutTenantDto, actorKeyId: string): Promise<{ tenant: TenantView; created: boolean }> {
    return this.dataSource.transaction(async (manager) => {
      const row = await this.tenants.upsert({ tenantId, name: body.name, metadata: body.metadata }, manager);
      await this.audit.record(
        actorKeyId,
        'tenant_saved',
        tenantId,
        { created: row.created, changed: row.changed, metadata_keys: Object.keys(row.metadata).length },
        manager,
      );
      return { tenant: tenantView(row), created: row.created };
    });
  }

  async list(limit: number, after: string | undefined): Promise<{ tenants: TenantView[]; next_after: string | null }> {
    const rows = await this.tenants.page(limit, after);
    return { tenants: rows.map(tenantView), next_after: rows.length === limit ? rows[rows.length - 1].tenantId : null };
  }

  async get(tenantId: string): Promise<TenantView> {
    const row = await this.tenants.find(tenantId);
    if (!row) throw tenantNotFound(tenantId);
    return tenantView(row);
  }
}

export function tenantNotFound(tenantId: string): AppError {
  return new AppError(ErrorCode.TenantNotFound, `no tenant ${tenantId}`);
}

/** A connect link that cannot start or complete a consent (the same words wherever it is found out). */
export function invalidConnectSession(): AppError {
  return new AppError(
    ErrorCode.InvalidConnectSession,
    'this connect link is unknown, expired, cancelled or already used; ask the product that gave it for a new one',
  );
}

function tenantView(row: TenantRow): TenantView {
  return {
    tenant_id: row.tenantId,
    name: row.name,
    metadata: row.metadata,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
