import { createParamDecorator, ExecutionContext, SetMetadata, Type } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { AppError, ErrorCode } from '../common/errors/app-error';

/** Who is calling, as established by {@link ApiKeyGuard}. Never taken from the request body. */
export type Caller =
  { kind: 'admin' } | { kind: 'service'; keyId: string; name: string; /** null: every shop */ shopIds: readonly string[] | null };

export const ACCESS_METADATA = 'tts:access';
export type AccessLevel = 'public' | 'service' | 'admin';

/** No key needed: pages, the OAuth flow, the sandbox. Everything else requires a key (default deny). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_METADATA, 'public');
/** Any valid key: a service key (limited to its shops) or the admin key. */
export const ServiceAccess = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_METADATA, 'service');
/** The admin key only. */
export const AdminAccess = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_METADATA, 'admin');

/**
 * The level a route requires. Unmarked routes need the admin key (default deny). The guard, the rate limit
 * and the OpenAPI document all read it here, so they cannot disagree about a route.
 */
export function requiredAccess(
  reflector: Reflector,
  handler: ReturnType<ExecutionContext['getHandler']>,
  controller: Type<unknown>,
): AccessLevel {
  return reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS_METADATA, [handler, controller]) ?? 'admin';
}

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
