import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { TiktokApps } from '../config/tiktok-apps';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { AuthorizationEventsRepository } from '../shops/authorization-events.repository';
import { AuthorizationsRepository } from '../shops/authorizations.repository';
import { TenantAuthorizationsRepository } from '../shops/tenant-authorizations.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { tenantNotFound, TenantsService } from '../tenants/tenants.service';
import type { TenantDetailView, TenantTransferView } from './dto/tenant-admin.dto';

/** A tenant with its sellers and shops counted, and moving a seller between tenants. */
@Injectable()
export class AdminTenantsService {
  constructor(
    private readonly tenants: TenantsService,
    private readonly tenantRows: TenantsRepository,
    private readonly tenantAuthorizations: TenantAuthorizationsRepository,
    private readonly authorizations: AuthorizationsRepository,
    private readonly events: AuthorizationEventsRepository,
    private readonly bus: InvalidationBus,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly apps: TiktokApps,
  ) {}

  async get(tenantId: string): Promise<TenantDetailView> {
    const tenant = await this.tenants.get(tenantId);
    return { ...tenant, counts: await this.tenantAuthorizations.counts(tenantId) };
  }

  /**
   * Moves the seller (its authorization, and with it its shops) to `tenantId`, or to no tenant (null). The
   * tenant row is held first (FOR SHARE), in the order an offboarding locks (tenant, then authorizations),
   * so a transfer into a tenant being deleted either lands before the offboarding's last check (which then
   * revokes it too) or finds the tenant gone. Caches on every replica drop the authorization with the commit.
   */
  transfer(authorizationId: string, tenantId: string | null, actorKeyId: string): Promise<TenantTransferView> {
    return this.dataSource.transaction(async (manager) => {
      if (tenantId !== null && (await this.tenantRows.lockShared(manager, [tenantId])).length === 0) throw tenantNotFound(tenantId);
      const current = await this.tenantAuthorizations.lockForTransfer(manager, authorizationId);
      if (!current) throw new AppError(ErrorCode.AuthorizationNotFound, `no authorization ${authorizationId}`);
      const changed = current.tenantId !== tenantId;
      if (changed) {
        await this.tenantAuthorizations.setTenant(manager, authorizationId, tenantId);
        await this.bus.publish(manager, { kind: 'authorization', id: authorizationId });
        await this.events.record(
          { authorizationId, openId: current.openId, type: 'tenant_changed', detail: { from: current.tenantId, to: tenantId } },
          manager,
        );
      }
      await this.audit.record(
        actorKeyId,
        'authorization_tenant_changed',
        authorizationId,
        { from: current.tenantId, to: tenantId, changed },
        manager,
      );
      return {
        authorization_id: authorizationId,
        app: this.apps.idOf(current.appKey),
        tenant_id: tenantId,
        previous_tenant_id: current.tenantId,
        shop_ids: await this.authorizations.activeShopIds(manager, authorizationId),
      };
    });
  }
}
