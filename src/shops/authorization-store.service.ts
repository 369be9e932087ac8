import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { TokenCipher } from '../common/crypto/token-cipher';
import { ErrorCode } from '../common/errors/app-error';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { NotificationsService } from '../notifications/notifications.service';
import { ConnectSessionsRepository } from '../tenants/connect-sessions.repository';
import { TenantsRepository } from '../tenants/tenants.repository';
import { invalidConnectSession } from '../tenants/tenants.service';
import type { AuthorizedShop, TokenGrant } from '../tiktok/tiktok.types';
import { AuthorizationEventsRepository } from './authorization-events.repository';
import { AuthorizationsRepository, ConsentTarget } from './authorizations.repository';
import { classifyShops, consentEvents, contestEvents, groupBy } from './consent-shops';
import { sealTokens } from './token-binding';

export interface SavedGrant {
  authorizationId: string;
  openId: string;
  sellerName: string | null;
  /** True when this open_id had already authorized this app (a re-consent). */
  reGranted: boolean;
  /** The tenant that owns the authorization now; null: none. */
  tenantId: string | null;
  /** The shops now on the authorization: those granted, except the contested ones. */
  shops: AuthorizedShop[];
  /** Granted shops owned through another tenant: they stayed with it. */
  conflictingShopIds: string[];
  removedShopIds: string[];
  /**
   * The session's seller is owned by another tenant: the grant was stored on that tenant's authorization (the
   * new pair may be the only one TikTok still honours), the session did not complete, and the attempt is on record.
   */
  ownedByOtherTenant: boolean;
}

/** The connect session a consent ran through: the authorization and its shops are for its tenant. */
export interface ConsentSession {
  id: string;
  tenantId: string;
}

/** Where a consent lands: the authorization with its tenant once the consent has claimed it. */
interface Claim {
  target: ConsentTarget;
  /** The session's tenant may not have the seller: another one owns it. */
  conflict: boolean;
  /** The seller was already the session tenant's. */
  reconnect: boolean;
}

/** The seller's owner changed after it was read: its tenant row is not the one locked. */
class OwnerMoved extends Error {}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Persists consents. Everything for one consent (authorization, its tenant, its shops, the connect session, the
 * events, the notifications) commits in one transaction or not at all.
 */
@Injectable()
export class AuthorizationStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly authorizations: AuthorizationsRepository,
    private readonly tenants: TenantsRepository,
    private readonly sessions: ConnectSessionsRepository,
    private readonly cipher: TokenCipher,
    private readonly events: AuthorizationEventsRepository,
    private readonly notifications: NotificationsService,
    private readonly bus: InvalidationBus,
  ) {}

  /**
   * `session`: the consent ran through a connect session, so the seller becomes its tenant's unless another
   * tenant owns it. Without one (anonymous consent) an authorization's tenant never changes.
   */
  async saveGrant(appKey: string, grant: TokenGrant, authorizedShops: AuthorizedShop[], session?: ConsentSession): Promise<SavedGrant> {
    // A fixed order, so two consents touching the same shops lock them in the same order (no deadlock).
    const shops = [...authorizedShops].sort(byId);
    // A transfer moving the seller between the owner read and the upsert's row lock: once more, with the new owner locked.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.dataSource.transaction((manager) => this.saveGrantIn(manager, appKey, grant, shops, session));
      } catch (error) {
        if (!(error instanceof OwnerMoved) || attempt >= 3) throw error;
      }
    }
  }

  private async saveGrantIn(
    manager: EntityManager,
    appKey: string,
    grant: TokenGrant,
    shops: AuthorizedShop[],
    session: ConsentSession | undefined,
  ): Promise<SavedGrant> {
    // The tenants first, FOR SHARE (an offboarding takes its tenant FOR UPDATE, then its authorizations).
    const owner = await this.authorizations.ownerOf(manager, appKey, grant.openId);
    const tenants = [session?.tenantId, owner].filter((id): id is string => typeof id === 'string');
    const locked = await this.tenants.lockShared(manager, tenants);
    if (session && !locked.includes(session.tenantId)) throw invalidConnectSession();
    const found = await this.authorizations.upsertForConsent(manager, appKey, grant.openId);
    if (found.tenantId !== null && !locked.includes(found.tenantId)) throw new OwnerMoved();
    await this.bus.publish(manager, { kind: 'authorization', id: found.id });
    const claim = await this.claim(manager, found, session);
    const { target } = claim;
    const stored = await this.authorizations.storeGrant(manager, target.id, {
      sellerName: grant.sellerName,
      sellerBaseRegion: grant.sellerBaseRegion,
      userType: grant.userType,
      grantedScopes: grant.grantedScopes,
      ...sealTokens(this.cipher, target.id, grant),
      accessTokenExpiresAt: grant.accessTokenExpiresAt,
      refreshTokenExpiresAt: grant.refreshTokenExpiresAt,
      tokensIssuedAt: grant.receivedAt,
    });
    const saved = stored ? await this.storeShops(manager, target, grant, shops) : await this.superseded(manager, target, grant, shops);
    await this.announceSession(manager, claim, grant, saved, session);
    return { ...saved, ownedByOtherTenant: claim.conflict };
  }

  /**
   * The session's claim on the authorization: a seller of no tenant becomes the session tenant's, one of
   * another tenant stays that tenant's (a conflict), and the session completes unless there is a conflict.
   */
  private async claim(manager: EntityManager, found: ConsentTarget, session: ConsentSession | undefined): Promise<Claim> {
    if (!session) return { target: found, conflict: false, reconnect: false };
    if (found.tenantId !== null && found.tenantId !== session.tenantId) return { target: found, conflict: true, reconnect: false };
    // Completed by a concurrent consent, or cancelled by an offboarding: nothing of this consent is stored.
    if (!(await this.sessions.complete(manager, session.id, found.id))) throw invalidConnectSession();
    if (found.tenantId === null) await this.authorizations.assignTenant(manager, found.id, session.tenantId);
    return { target: { ...found, tenantId: session.tenantId }, conflict: false, reconnect: found.tenantId === session.tenantId };
  }

  /** The shops of a stored grant, their events and the recovery notifications. */
  private async storeShops(
    manager: EntityManager,
    target: ConsentTarget,
    grant: TokenGrant,
    shops: AuthorizedShop[],
  ): Promise<Omit<SavedGrant, 'ownedByOtherTenant'>> {
    const rows = await this.authorizations.upsertShops(manager, target.id, target.tenantId, shops);
    const contested = rows.filter((row) => row.contested);
    const contestedIds = new Set(contested.map((row) => row.id));
    const kept = shops.filter((shop) => !contestedIds.has(shop.id));
    const { added, moved, recovered } = classifyShops(
      target.id,
      rows.filter((row) => !row.contested),
    );
    for (const from of new Set(moved.map((move) => move.from))) await this.bus.publish(manager, { kind: 'authorization', id: from });
    // A shop id new to this app that other apps hold too: a request naming no app now needs one (app_required).
    // Caches remember a shop id's owners under its rows' authorizations, which this consent's own message
    // (this authorization, new to them) does not reach: announce those of the other apps' rows.
    const newHere = rows.filter((row) => !row.contested && row.previousAuthorizationId === null).map((row) => row.id);
    for (const id of await this.authorizations.otherAppsAuthorizationIds(manager, target.id, newHere)) {
      await this.bus.publish(manager, { kind: 'authorization', id });
    }
    const removedShopIds = await this.authorizations.deauthorizeShopsExcept(
      manager,
      target.id,
      kept.map((shop) => shop.id),
    );
    await this.events.record(
      [...consentEvents(target, grant, kept.length, { added, removedShopIds, moved }), ...contestEvents(target, contested)],
      manager,
    );
    await this.announceRecovery(manager, target, grant.openId, kept, recovered);
    return {
      authorizationId: target.id,
      openId: grant.openId,
      sellerName: grant.sellerName,
      reGranted: !target.inserted,
      tenantId: target.tenantId,
      shops: kept,
      conflictingShopIds: contested.map((row) => row.id),
      removedShopIds,
    };
  }

  /** Two consents of one seller raced and this older pair lost: TikTok has already replaced it. */
  private async superseded(
    manager: EntityManager,
    target: ConsentTarget,
    grant: TokenGrant,
    shops: AuthorizedShop[],
  ): Promise<Omit<SavedGrant, 'ownedByOtherTenant'>> {
    await this.events.record(
      { authorizationId: target.id, openId: grant.openId, type: 're_granted', detail: { superseded: true } },
      manager,
    );
    return {
      authorizationId: target.id,
      openId: grant.openId,
      sellerName: grant.sellerName,
      reGranted: true,
      tenantId: target.tenantId,
      shops,
      conflictingShopIds: [],
      removedShopIds: [],
    };
  }

  /** What the session's tenant hears, in the consent's transaction: connected, or the ownership conflict. */
  private async announceSession(
    manager: EntityManager,
    claim: Claim,
    grant: TokenGrant,
    saved: Omit<SavedGrant, 'ownedByOtherTenant'>,
    session: ConsentSession | undefined,
  ): Promise<void> {
    if (!session) return;
    if (claim.conflict) {
      await this.events.record(
        {
          authorizationId: saved.authorizationId,
          openId: grant.openId,
          type: 'ownership_conflict',
          detail: {
            reason: 'consent through a connect session of another tenant',
            tenant_id: session.tenantId,
            owner_tenant_id: claim.target.tenantId,
            connect_session_id: session.id,
          },
        },
        manager,
      );
      await this.notifications.connectFailed(manager, {
        tenantId: session.tenantId,
        connectSessionId: session.id,
        appKey: claim.target.appKey,
        error: ErrorCode.SellerOwnedByOtherTenant,
      });
      return;
    }
    await this.notifications.connected(manager, {
      tenantId: session.tenantId,
      connectSessionId: session.id,
      authorizationId: saved.authorizationId,
      appKey: claim.target.appKey,
      openId: grant.openId,
      sellerName: grant.sellerName,
      shopIds: saved.shops.map((shop) => shop.id),
      reconnect: claim.reconnect,
    });
  }

  /**
   * Back to active: the whole authorization (it was not active, or announced as expiring), or else the
   * individual shops that had been revoked or deauthorized. One notification per previous status: a shop that
   * was deauthorized is not announced as once revoked.
   */
  private async announceRecovery(
    manager: EntityManager,
    target: ConsentTarget,
    openId: string,
    shops: AuthorizedShop[],
    recovered: { shopId: string; previousStatus: string }[],
  ): Promise<void> {
    const authorizationRecovered = !target.inserted && (target.previousStatus !== 'active' || target.wasExpiring);
    const changes = authorizationRecovered
      ? [{ previousStatus: target.previousStatus === 'active' ? 'expiring' : target.previousStatus, shopIds: shops.map((shop) => shop.id) }]
      : [...groupBy(recovered, (shop) => shop.previousStatus)].map(([previousStatus, group]) => ({
          previousStatus,
          shopIds: group.map((shop) => shop.shopId),
        }));
    for (const change of changes) {
      await this.notifications.statusChanged(manager, {
        status: 'active',
        previousStatus: change.previousStatus,
        authorizationId: target.id,
        appKey: target.appKey,
        tenantId: target.tenantId,
        openId,
        shopIds: change.shopIds,
        reason: 'the seller consented again',
      });
    }
  }
}
