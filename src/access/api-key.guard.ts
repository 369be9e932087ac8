import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { ApiKeysService } from './api-keys.service';
import { RequestWithCaller, requiredAccess } from './caller';

/**
 * Global guard, deny by default: a route is public only when marked {@link Public}. Others need
 * `Authorization: Bearer <key>`: missing or unknown -> 401 `unauthorized`; a service key on an admin
 * route -> 403 `forbidden`. Per-shop limits are checked where the shop id is known (assertShopAccess).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const level = requiredAccess(this.reflector, context.getHandler(), context.getClass());
    if (level === 'public') return true;
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const presented = bearerToken(request.headers.authorization);
    if (!presented) throw new AppError(ErrorCode.Unauthorized, 'send an API key as Authorization: Bearer <key>');
    const caller = await this.keys.authenticate(presented);
    if (!caller) throw new AppError(ErrorCode.Unauthorized, 'unknown API key');
    if (level === 'admin' && caller.kind !== 'admin') throw new AppError(ErrorCode.Forbidden, 'this route needs the admin key');
    request.caller = caller;
    return true;
  }
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header ?? '');
  return match?.[1];
}
