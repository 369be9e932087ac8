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
 * Throws 403 `forbidden` unless the caller may see this shop. `owner`: the shop's owner, needed for a
 * tenant-scoped key only (null: no such shop, which such a key may not see either).
 */
export function assertShopAccess(caller: Caller, shopId: string, owner?: ShopOwner | null): void {
  if (mayAccessShop(caller, shopId, owner)) return;
  throw new AppError(ErrorCode.Forbidden, 'this API key may not access this shop');
}

/**
 * Whether the caller may see the shop: the admin key any, a key with shop_ids those listed, a key with
 * tenant_ids those its tenants own (`owner`; undefined or null: not known to be theirs, so no).
 */
export function mayAccessShop(caller: Caller, shopId: string, owner?: ShopOwner | null): boolean {
  if (caller.kind === 'admin') return true;
  if (caller.shopIds !== null && !caller.shopIds.includes(shopId)) return false;
  if (caller.tenantIds === null) return true;
  const tenantId = owner?.tenantId;
  return typeof tenantId === 'string' && caller.tenantIds.includes(tenantId);
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
