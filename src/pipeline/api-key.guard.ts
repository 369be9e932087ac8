import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { RequestWithCaller } from '../access/caller';
import type { RouteMetric } from '../common/http/request-context';
import { requiredAccess } from '../common/http/route-access';
import type { Permission } from '../access/caller';
import { METRIC_METADATA, PERMISSION_METADATA } from './machine-route';
import { RequestPipeline } from './request-pipeline';

/**
 * Global guard, deny by default: a route is public only when marked {@link Public}. Others run the pipeline's
 * `authenticate` and `authorize` with the route's access level: no key or an unknown key is 401
 * `unauthorized`; a service key on an admin route, on a route outside its permissions, or on a shop outside
 * its shop_ids or tenants (in the app `?app=` names, if any), 403 `forbidden`.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly pipeline: RequestPipeline,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = requiredAccess(this.reflector, context.getHandler(), context.getClass());
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const metric = this.reflector.get<RouteMetric | undefined>(METRIC_METADATA, context.getHandler());
    const permission = this.reflector.getAllAndOverride<Permission | undefined>(PERMISSION_METADATA, [
      context.getHandler(),
      context.getClass(),
    ]);
    const route = { access, metric, permission };
    this.pipeline.enter(request, route);
    const caller = await this.pipeline.authenticate(request);
    const query = request.query as Record<string, unknown> | undefined;
    await this.pipeline.authorize(route, caller, (request.params as Record<string, unknown> | undefined)?.shop_id, query?.app);
    request.caller = caller;
    return true;
  }
}
