import type { TokenGrant } from '../tiktok/tiktok.types';
import type { NewAuthorizationEvent } from './authorization-events.repository';
import type { ConsentTarget, UpsertedShop } from './authorizations.repository';

/** What a consent's shops did, and what is put on record about them: pure functions of the consent's rows. */

/** The events of one consent: the grant, and each shop added, dropped or taken over from another authorization. */
export function consentEvents(
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

/** A shop another tenant owns, granted to this authorization: on record on the owner's authorization. */
export function contestEvents(target: ConsentTarget, contested: UpsertedShop[]): NewAuthorizationEvent[] {
  return contested.map((row) => ({
    authorizationId: row.previousAuthorizationId,
    shopId: row.id,
    type: 'ownership_conflict' as const,
    detail: {
      reason: 'granted to an authorization of another tenant; the shop stays with its owner',
      to_authorization_id: target.id,
      tenant_id: target.tenantId,
      owner_tenant_id: row.ownerTenantId,
    },
  }));
}

/** The shops new to this authorization, those taken over from another one, and those it had lost. */
export function classifyShops(
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

export function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return groups;
}
