import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { TokenCipher } from '../common/crypto/token-cipher';
import { InvalidationBus } from '../database/invalidation-bus.service';
import { NotificationsService } from '../notifications/notifications.service';
import type { AuthorizedShop, TokenGrant } from '../tiktok/tiktok.types';
import { AuthorizationEventsRepository, NewAuthorizationEvent } from './authorization-events.repository';
import { AuthorizationsRepository, ConsentTarget, UpsertedShop } from './authorizations.repository';
import { sealTokens } from './token-binding';

export interface SavedGrant {
  authorizationId: string;
  openId: string;
  sellerName: string | null;
  /** True when this open_id had already authorized this app (a re-consent). */
  reGranted: boolean;
  shops: AuthorizedShop[];
  removedShopIds: string[];
}

/**
 * Persists consents. Everything for one consent (authorization, its shops, the events, the notifications)
 * commits in one transaction or not at all.
 */
@Injectable()
export class AuthorizationStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly authorizations: AuthorizationsRepository,
    private readonly cipher: TokenCipher,
    private readonly events: AuthorizationEventsRepository,
    private readonly notifications: NotificationsService,
    private readonly bus: InvalidationBus,
  ) {}

  async saveGrant(appKey: string, grant: TokenGrant, authorizedShops: AuthorizedShop[]): Promise<SavedGrant> {
    // A fixed order, so two consents touching the same shops lock them in the same order (no deadlock).
    const shops = [...authorizedShops].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return this.dataSource.transaction(async (manager) => {
      const target = await this.authorizations.upsertForConsent(manager, appKey, grant.openId);
      const base = { authorizationId: target.id, openId: grant.openId };
      await this.bus.publish(manager, { kind: 'authorization', id: target.id });
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
      if (!stored) {
        // Two consents of one seller raced and this older pair lost: TikTok has already replaced it.
        await this.events.record({ ...base, type: 're_granted', detail: { superseded: true } }, manager);
        return {
          authorizationId: target.id,
          openId: grant.openId,
          sellerName: grant.sellerName,
          reGranted: true,
          shops,
          removedShopIds: [],
        };
      }
      const { added, moved, recovered } = classifyShops(target.id, await this.authorizations.upsertShops(manager, target.id, shops));
      for (const from of new Set(moved.map((move) => move.from))) await this.bus.publish(manager, { kind: 'authorization', id: from });
      const removedShopIds = await this.authorizations.deauthorizeShopsExcept(
        manager,
        target.id,
        shops.map((shop) => shop.id),
      );
      await this.events.record(consentEvents(target, grant, shops.length, { added, removedShopIds, moved }), manager);
      await this.announceRecovery(manager, target, grant.openId, shops, recovered);
      return {
        authorizationId: target.id,
        openId: grant.openId,
        sellerName: grant.sellerName,
        reGranted: !target.inserted,
        shops,
        removedShopIds,
      };
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
        tenantId: target.tenantId,
        openId,
        shopIds: change.shopIds,
        reason: 'the seller consented again',
      });
    }
  }
}

/** The events of one consent: the grant, and each shop added, dropped or taken over from another authorization. */
function consentEvents(
  target: ConsentTarget,
  grant: TokenGrant,
  shopCount: number,
  shops: { added: string[]; removedShopIds: string[]; moved: { shopId: string; from: string }[] },
): NewAuthorizationEvent[] {
  const base = { authorizationId: target.id, openId: grant.openId };
  return [
    {
      ...base,
      type: target.inserted ? 'granted' : 're_granted',
      detail: { shop_count: shopCount, scopes: grant.grantedScopes, seller_base_region: grant.sellerBaseRegion },
    },
    ...shops.added.map((shopId) => ({ ...base, type: 'shop_added' as const, shopId })),
    ...shops.removedShopIds.map((shopId) => ({
      ...base,
      type: 'shop_removed' as const,
      shopId,
      detail: { reason: 'not returned on re-consent' },
    })),
    ...shops.moved.map(({ shopId, from }) => ({
      authorizationId: from,
      shopId,
      type: 'shop_removed' as const,
      detail: { reason: 'authorized by another seller account', to_authorization_id: target.id },
    })),
  ];
}

/** The shops new to this authorization, those taken over from another one, and those it had lost. */
function classifyShops(
  authorizationId: string,
  rows: UpsertedShop[],
): { added: string[]; moved: { shopId: string; from: string }[]; recovered: { shopId: string; previousStatus: string }[] } {
  const added = rows
    .filter((row) => row.previousAuthorizationId !== authorizationId || row.previousStatus !== 'active')
    .map((row) => row.id);
  const moved = rows
    .filter(
      (row) => row.previousAuthorizationId !== null && row.previousAuthorizationId !== authorizationId && row.previousStatus === 'active',
    )
    .map((row) => ({ shopId: row.id, from: row.previousAuthorizationId as string }));
  const recovered = rows
    .filter((row) => row.previousAuthorizationId === authorizationId && row.previousStatus !== null && row.previousStatus !== 'active')
    .map((row) => ({ shopId: row.id, previousStatus: row.previousStatus as string }));
  return { added, moved, recovered };
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
