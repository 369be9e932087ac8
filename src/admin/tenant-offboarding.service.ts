import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { AuditService } from '../audit/audit.service';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { TiktokApps } from '../config/tiktok-apps';
import { NotificationsService } from '../notifications/notifications.service';
import { AuthorizationsRepository } from '../shops/authorizations.repository';
import { RevocationService } from '../shops/revocation.service';
import { TenantAuthorizationsRepository, TenantShop } from '../shops/tenant-authorizations.repository';
import { ConnectSessionsRepository } from '../tenants/connect-sessions.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { tenantNotFound } from '../tenants/tenants.service';
import type { OffboardingReport, OffboardingShopReport } from './dto/tenant-admin.dto';

/** Rounds of revocation before giving up on a tenant whose sellers keep consenting again meanwhile. */
const MAX_ROUNDS = 3;
const REASON = 'tenant offboarded';
/** PostgreSQL's deadlock_detected: the last check met a consent locking in the other order; another round. */
const DEADLOCK = '40P01';

/**
 * DELETE /admin/tenants/{tenant_id}: revokes everything of a tenant, erases its sellers' names, then removes it.
 *
 * Resumable: each shop is revoked in its own transaction (TikTok's deauthorize first when asked, exactly as
 * DELETE /admin/shops/{shop_id}), so what succeeded stays done when TikTok fails for another shop; the call then
 * answers 502 with the per-shop report and keeps the tenant row, and the next call does the rest.
 *
 * Against a concurrent consent (the consent side holds the tenant row FOR SHARE and checks its
 * session is pending, in its transaction, before it touches an authorization): the first step cancels the pending
 * connect sessions under the tenant row's FOR UPDATE lock, so a consent still in flight either committed before
 * (its authorization is then listed) or finds its session cancelled. The last step takes the tenant row lock
 * again, then every authorization of the tenant FOR UPDATE, and deletes the tenant only if none of them can still
 * get a token; otherwise (a consent through a session created meanwhile, a re-consent) it runs another round.
 * So no active authorization is left of a deleted tenant.
 */
@Injectable()
export class TenantOffboardingService {
  private readonly logger = new Logger(TenantOffboardingService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly tenants: TenantsRepository,
    private readonly sessions: ConnectSessionsRepository,
    private readonly tenantAuthorizations: TenantAuthorizationsRepository,
    private readonly authorizations: AuthorizationsRepository,
    private readonly revocation: RevocationService,
    private readonly notifications: NotificationsService,
    private readonly audit: AuditService,
    private readonly bus: InvalidationBus,
    private readonly apps: TiktokApps,
  ) {}

  async offboard(tenantId: string, deauthorize: boolean, actorKeyId: string): Promise<OffboardingReport> {
    const report: OffboardingReport = {
      tenant_id: tenantId,
      deleted: false,
      deauthorize,
      connect_sessions_cancelled: 0,
      shops_revoked: 0,
      shops_failed: 0,
      authorizations_revoked: 0,
      seller_names_erased: 0,
      shops: [],
    };
    for (let round = 1; round <= MAX_ROUNDS; round += 1) {
      for (const shop of await this.start(tenantId, report)) await this.revokeShop(tenantId, shop, report, actorKeyId);
      if (report.shops_failed > 0) {
        await this.audit.record(actorKeyId, 'tenant_offboarded', tenantId, audited(report));
        throw new AppError(
          ErrorCode.TiktokError,
          `TikTok did not deauthorize ${report.shops_failed} of the tenant's shops (see shops); what succeeded stays done ` +
            'and the tenant is kept: call again to finish',
          undefined,
          { ...report },
        );
      }
      await this.revokeShopless(tenantId, report);
      if (await this.finish(tenantId, report, actorKeyId)) return report;
      this.logger.warn(`tenant ${tenantId}: a seller consented again during the offboarding; another round`);
    }
    throw new AppError(
      ErrorCode.ServiceUnavailable,
      "the tenant's sellers kept consenting again during the offboarding; what was revoked stays so: call again",
      { retry_after_seconds: 1 },
      { ...report },
    );
  }

  /** Cancels the pending connect sessions under the tenant row lock; the shops still granted. 404: no tenant. */
  private start(tenantId: string, report: OffboardingReport): Promise<TenantShop[]> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.tenants.lock(manager, tenantId))) throw tenantNotFound(tenantId);
      report.connect_sessions_cancelled += await this.sessions.cancelPending(manager, tenantId);
      return this.tenantAuthorizations.activeShops(manager, tenantId);
    });
  }

  /**
   * One shop of one app, in its own transaction with its audit record (a shop id granted to two apps is revoked
   * twice, once per app). A shop no longer the tenant's, or no longer granted, is skipped.
   */
  private async revokeShop(tenantId: string, shop: TenantShop, report: OffboardingReport, actorKeyId: string): Promise<void> {
    const entry: OffboardingShopReport = {
      shop_id: shop.shopId,
      app: this.apps.idOf(shop.appKey),
      authorization_id: shop.authorizationId,
      result: 'revoked',
      deauthorized_at_tiktok: false,
      authorization_revoked: false,
      error: null,
      message: null,
    };
    try {
      const revoked = await this.dataSource.transaction(async (manager) => {
        if (!(await this.tenantAuthorizations.lockActiveShop(manager, tenantId, shop.shopId, shop.appKey))) return false;
        const result = await this.revocation.revokeShop(
          shop.shopId,
          shop.appKey,
          'admin',
          { deauthorizeAtTiktok: report.deauthorize, reason: REASON },
          manager,
        );
        entry.deauthorized_at_tiktok = result.deauthorized_at_tiktok;
        entry.authorization_revoked = result.authorization_revoked;
        await this.audit.record(
          actorKeyId,
          'shop_revoked',
          shop.shopId,
          {
            app: result.app,
            deauthorize: report.deauthorize,
            already_revoked: result.already_revoked,
            authorization_revoked: result.authorization_revoked,
            deauthorized_at_tiktok: result.deauthorized_at_tiktok,
            offboarded_tenant_id: tenantId,
          },
          manager,
        );
        return true;
      });
      if (!revoked) return;
      report.shops_revoked += 1;
      if (entry.authorization_revoked) report.authorizations_revoked += 1;
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== ErrorCode.TiktokError) throw error;
      Object.assign(entry, { result: 'failed', error: error.code, message: error.message });
      report.shops_failed += 1;
    }
    report.shops.push(entry);
  }

  /** The authorizations with no granted shop left that still hold tokens (or are not revoked): no shop's revocation ends them. */
  private async revokeShopless(tenantId: string, report: OffboardingReport): Promise<void> {
    for (const authorizationId of await this.tenantAuthorizations.shoplessNotRevoked(this.dataSource.manager, tenantId)) {
      const revoked = await this.dataSource.transaction(async (manager) => {
        const locked = await this.tenantAuthorizations.lockAuthorization(manager, tenantId, authorizationId);
        // Moved away, or given shops again by a consent meanwhile (the next round revokes those).
        if (!locked || (await this.authorizations.activeShopIds(manager, authorizationId)).length > 0) return false;
        return this.revocation.revokeAuthorization(manager, locked, REASON);
      });
      if (revoked) report.authorizations_revoked += 1;
    }
  }

  /**
   * The last check and the deletion, in one transaction: false when an authorization of the tenant can still get
   * a token (nothing is written then). The names are erased here, under the locks, so no consent writes one back.
   */
  private async finish(tenantId: string, report: OffboardingReport, actorKeyId: string): Promise<boolean> {
    try {
      return await this.dataSource.transaction(async (manager) => {
        if (!(await this.tenants.lock(manager, tenantId))) {
          // A concurrent offboarding of the same tenant finished first: this one's work is done too.
          report.deleted = true;
          return true;
        }
        const states = await this.tenantAuthorizations.lockAll(manager, tenantId);
        if (states.some((state) => !state.done)) return false;
        report.seller_names_erased = await this.tenantAuthorizations.eraseSellerNames(manager, tenantId);
        await this.notifications.eraseSellerNames(
          manager,
          tenantId,
          states.map((state) => state.id),
        );
        // ON DELETE SET NULL: its authorizations belong to no tenant; its connect sessions (and their states) go.
        await this.tenants.delete(manager, tenantId);
        // The foreign key's SET NULL announces nothing: every replica's caches (tenant-scoped keys' shop owners) drop them.
        for (const state of states) await this.bus.publish(manager, { kind: 'authorization', id: state.id });
        report.deleted = true;
        await this.audit.record(actorKeyId, 'tenant_offboarded', tenantId, audited(report), manager);
        return true;
      });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: unknown }).code === DEADLOCK) return false;
      throw error;
    }
  }
}

/** The audit record: counts and ids only, never a name. */
function audited(report: OffboardingReport): Record<string, unknown> {
  return {
    deleted: report.deleted,
    deauthorize: report.deauthorize,
    connect_sessions_cancelled: report.connect_sessions_cancelled,
    shops_revoked: report.shops_revoked,
    shops_failed: report.shops_failed,
    authorizations_revoked: report.authorizations_revoked,
    seller_names_erased: report.seller_names_erased,
    failed_shop_ids: report.shops.filter((shop) => shop.result === 'failed').map((shop) => shop.shop_id),
  };
}
