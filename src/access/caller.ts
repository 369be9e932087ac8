import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import { ADMIN_ACTOR } from '../audit/entities/audit-event.entity';
import { AppError, ErrorCode } from '../common/errors/app-error';

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

/** Throws 403 `forbidden` unless the caller may see this shop. */
export function assertShopAccess(caller: Caller, shopId: string): void {
  if (mayAccessShop(caller, shopId)) return;
  throw new AppError(ErrorCode.Forbidden, 'this API key may not access this shop');
}

export function mayAccessShop(caller: Caller, shopId: string): boolean {
  return caller.kind === 'admin' || caller.shopIds === null || caller.shopIds.includes(shopId);
}

/** Null: every shop. */
export function visibleShopIds(caller: Caller): readonly string[] | null {
  return caller.kind === 'admin' ? null : caller.shopIds;
}

/** The id an action is audited under: `admin` for the admin key (it has no row), else the service key's id. */
export function actorKeyId(caller: Caller): string {
  return caller.kind === 'admin' ? ADMIN_ACTOR : caller.keyId;
}
