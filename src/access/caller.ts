import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ADMIN_ACTOR } from '../audit/entities/audit-event.entity';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { ShopOwner } from './shop-owners';

/** What a service key may do: `tokens` (the token and shop routes), `connect` (connect sessions for its tenants). */
export const PERMISSIONS = ['tokens', 'connect'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** Who is calling, as established by {@link ApiKeyGuard}. Never taken from the request body. */
export type Caller =
  | { kind: 'admin' }
  | {
      kind: 'service';
      keyId: string;
      name: string;
      /** null: not limited to listed shops. */
      shopIds: readonly string[] | null;
      /** null: not limited by tenant; else every shop of these tenants (also those connected later), and no other. */
      tenantIds: readonly string[] | null;
      permissions: readonly Permission[];
    };

export interface RequestWithCaller extends Request {
  caller?: Caller;
}

export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<RequestWithCaller>().caller;
  if (!caller) throw new AppError(ErrorCode.Unauthorized, 'an API key is required');
  return caller;
});

export type ServiceCaller = Extract<Caller, { kind: 'service' }>;

/** A key limited to tenants: whether it may see a shop depends on the shop's tenant, which only shops knows. */
export function isTenantScoped(caller: Caller): caller is ServiceCaller & { tenantIds: readonly string[] } {
  return caller.kind === 'service' && caller.tenantIds !== null;
}

/**
 * Throws 403 `forbidden` unless the caller may see this shop. `owners`: the shop id's rows (one per app), needed
 * for a tenant-scoped key only (empty: no such shop, which such a key may not see either); `appKey`: the app
 * the request names, whose row alone then counts.
 */
export function assertShopAccess(caller: Caller, shopId: string, owners?: readonly ShopOwner[], appKey?: string): void {
  if (mayAccessShop(caller, shopId, owners, appKey)) return;
  throw new AppError(ErrorCode.Forbidden, 'this API key may not access this shop');
}

/**
 * Whether the caller may see the shop: the admin key any, a key with shop_ids those listed (the shop id in
 * every app), a key with tenant_ids a shop id with a row its tenants own (`owners`, one per app; undefined:
 * not known, so no), in the app `appKey` when the request names one.
 */
export function mayAccessShop(caller: Caller, shopId: string, owners?: readonly ShopOwner[], appKey?: string): boolean {
  if (caller.kind === 'admin') return true;
  if (caller.shopIds !== null && !caller.shopIds.includes(shopId)) return false;
  const tenantIds = caller.tenantIds;
  if (tenantIds === null) return true;
  return owners !== undefined && owners.some((owner) => ownerVisible(tenantIds, owner, appKey));
}

function ownerVisible(tenantIds: readonly string[] | null, owner: ShopOwner, appKey: string | undefined): boolean {
  if (appKey !== undefined && owner.appKey !== appKey) return false;
  return tenantIds === null || (typeof owner.tenantId === 'string' && tenantIds.includes(owner.tenantId));
}

/** Which of a shop id's rows a request means: the one row, or several (no app named: `app_required`), or none. */
export type RequestedShop = { kind: 'one'; owner: ShopOwner } | { kind: 'several'; owners: ShopOwner[] } | { kind: 'none' };

/**
 * The row of a shop id (`owners`, one per app) a request means, among those the caller may see: the named
 * app's (`appKey`), else the only one. A tenant-scoped key counts only its tenants' rows, so being told that
 * a name is needed never reveals another tenant's shop.
 */
export function requestedShop(caller: Caller, owners: readonly ShopOwner[], appKey?: string): RequestedShop {
  const tenantIds = visibleTenantIds(caller);
  const visible = owners.filter((owner) => ownerVisible(tenantIds, owner, appKey));
  // An app's revoked or deauthorized row does not make the shop ambiguous while another app's is granted.
  const granted = visible.filter((owner) => owner.granted);
  const seen = granted.length > 0 ? granted : visible;
  if (seen.length === 1) return { kind: 'one', owner: seen[0] };
  return seen.length === 0 ? { kind: 'none' } : { kind: 'several', owners: seen };
}

/** Null: every shop. */
export function visibleShopIds(caller: Caller): readonly string[] | null {
  return caller.kind === 'admin' ? null : caller.shopIds;
}

/** The tenants whose shops the caller sees; null: not limited by tenant. */
export function visibleTenantIds(caller: Caller): readonly string[] | null {
  return caller.kind === 'admin' ? null : caller.tenantIds;
}

/** The id an action is audited under: `admin` for the admin key (it has no row), else the service key's id. */
export function actorKeyId(caller: Caller): string {
  return caller.kind === 'admin' ? ADMIN_ACTOR : caller.keyId;
}
