import { ExecutionContext, SetMetadata, Type } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';

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
