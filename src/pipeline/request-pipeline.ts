import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { assertShopAccess, Caller, isTenantScoped, mayAccessShop } from '../access/caller';
import { ApiKeysService } from '../access/api-keys.service';
import { ShopOwners } from '../access/shop-owners';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { appFilter } from '../common/http/apps';
import { attachContext, contextOf, RequestContext } from '../common/http/request-context';
import { HeaderList, securityHeadersFor } from '../common/http/security-headers';
import { isShopId } from '../common/ids';
import { logRequest } from '../common/logging/request-log';
import { AppConfig } from '../config/app-config';
import { TiktokApps } from '../config/tiktok-apps';
import { MetricsService } from '../metrics/metrics.service';
import { DOCS_PATH } from '../openapi/openapi';
import type { MachineRouteSpec } from './machine-route';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

const COMPLETION = Symbol('tts.completion');
type Completing = ServerResponse & { [COMPLETION]?: { pipeline: RequestPipeline; request: IncomingMessage; context: RequestContext } };

/** The admin key may use every route; a service key a `service` route whose permission it holds. */
function mayUseRoute(route: MachineRouteSpec, caller: Caller): boolean {
  if (caller.kind === 'admin') return true;
  return route.access !== 'admin' && caller.permissions.includes(route.permission ?? 'tokens');
}

function onClose(this: Completing): void {
  const completion = this[COMPLETION];
  if (completion) completion.pipeline.complete(completion.request, this, completion.context);
}

/** Whether the request carries more than one `Authorization` header (Node keeps only the first). */
function hasRepeatedAuthorization(request: IncomingMessage): boolean {
  let seen = 0;
  const raw = request.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].length === 13 && raw[i].toLowerCase() === 'authorization' && ++seen > 1) return true;
  }
  return false;
}

/** The key of an `Authorization: Bearer <key>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * The concerns every request goes through, written once, in the order they apply. Requests reach the service
 * by two paths, and both compose these same functions:
 * - through Nest: `begin` and `refusalOf` are the first Express middleware (app.factory.ts), `authenticate`
 *   and `authorize` run in ApiKeyGuard (with the route's MachineRoute spec), and AllExceptionsFilter answers
 *   refusals;
 * - through TokenFastPath, which answers the token route's common case before Express: it calls `begin`,
 *   `refusalOf`, `cachedCaller` and `mayServe` itself, and leaves every refusal to the Nest path.
 * A concern added here reaches every route on both paths.
 */
@Injectable()
export class RequestPipeline {
  private readonly headersFor: (path: string) => HeaderList;

  constructor(
    config: AppConfig,
    private readonly keys: ApiKeysService,
    private readonly metrics: MetricsService,
    private readonly owners: ShopOwners,
    private readonly apps: TiktokApps,
  ) {
    this.headersFor = securityHeadersFor({ https: config.auth.secureCookies, docsPath: DOCS_PATH });
  }

  /**
   * 1. Every request, first: its id (`X-Request-Id` when well-formed, made up otherwise, echoed in the answer),
   * the security headers, and, when its response is done, the access-log line and the route's metric. Taking
   * the same request again (the fast path handing it to Nest) changes nothing.
   */
  begin(request: IncomingMessage, response: ServerResponse, route?: MachineRouteSpec): RequestContext {
    const existing = contextOf(request);
    if (existing) return existing;
    const incoming = request.headers['x-request-id'];
    const context = attachContext(request, {
      id: typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID(),
      startedAt: performance.now(),
      metric: route?.metric,
    });
    response.setHeader('x-request-id', context.id);
    for (const [name, value] of this.headersFor(request.url ?? '')) response.setHeader(name, value);
    // One shared listener per response, no closure: the response holds what `complete` needs.
    (response as Completing)[COMPLETION] = { pipeline: this, request, context };
    response.on('close', onClose);
    return context;
  }

  /**
   * 1b. A refusal any route would give, before routing: two `Authorization` headers are 400 `invalid_request`
   * (Node would silently keep the first, and a proxy or the webhook signature check might read the other).
   */
  refusalOf(request: IncomingMessage): AppError | undefined {
    if (hasRepeatedAuthorization(request)) return new AppError(ErrorCode.InvalidRequest, 'send one Authorization header, not several');
    return undefined;
  }

  /** 2. The caller of a presented key, when this replica knows it without the database; undefined otherwise. */
  cachedCaller(request: IncomingMessage): Caller | undefined {
    const presented = bearerToken(request.headers.authorization);
    return presented ? this.keys.cachedCaller(presented) : undefined;
  }

  /** 2. The caller of a presented key, asking the database if need be: 401 `unauthorized` when there is none. */
  async authenticate(request: IncomingMessage): Promise<Caller> {
    const presented = bearerToken(request.headers.authorization);
    if (!presented) throw new AppError(ErrorCode.Unauthorized, 'send an API key as Authorization: Bearer <key>');
    const caller = await this.keys.authenticate(presented);
    if (!caller) throw new AppError(ErrorCode.Unauthorized, 'unknown API key');
    return caller;
  }

  /**
   * 3. 403 `forbidden` unless the caller may use the route (the admin key for admin routes, a service key the
   * route's permission) and the shop the route names, if any: a key with shop_ids that shop id in every app,
   * a tenant-scoped key a shop id with a row its tenants own (that of the app `appId` names, when the request
   * names one; an unknown app is 400 `unknown_app`). A malformed shop id names no shop: the route's
   * ShopIdParam refuses it with 400. Only a tenant-scoped key needs the shop's owners, so only its check may
   * wait for the database (a promise); every other one is decided at once.
   */
  authorize(route: MachineRouteSpec, caller: Caller, shopId: unknown, appId?: unknown): Promise<void> | undefined {
    if (!mayUseRoute(route, caller)) {
      throw new AppError(
        ErrorCode.Forbidden,
        route.access === 'admin' ? 'this route needs the admin key' : `this API key lacks the ${route.permission ?? 'tokens'} permission`,
      );
    }
    if (!isShopId(shopId)) return undefined;
    if (isTenantScoped(caller)) {
      const appKey = appFilter(this.apps, appId);
      return this.owners.find(shopId).then((owners) => assertShopAccess(caller, shopId, owners, appKey));
    }
    assertShopAccess(caller, shopId);
    return undefined;
  }

  /**
   * {@link authorize} as a yes or no, for a path that leaves every refusal to Nest: no for a tenant-scoped key
   * whose shop's owners this replica does not hold in memory (the Nest path looks them up). `appKey`: the app
   * the request names (a known one).
   */
  mayServe(route: MachineRouteSpec, caller: Caller, shopId: string, appKey?: string): boolean {
    return (
      mayUseRoute(route, caller) && mayAccessShop(caller, shopId, isTenantScoped(caller) ? this.owners.cached(shopId) : undefined, appKey)
    );
  }

  /** Marks the request as the route's, once routing knows it (Nest path). */
  enter(request: IncomingMessage, route: MachineRouteSpec): void {
    const context = contextOf(request);
    if (context && route.metric) context.metric = route.metric;
  }

  /** 4. When the response is done (or the client went): the route's metric, then the access line. */
  complete(request: IncomingMessage, response: ServerResponse, context: RequestContext): void {
    if (context.metric === 'token_requests') {
      this.metrics.tokenRequests.inc({ outcome: response.statusCode < 400 ? 'served' : (context.errorCode ?? ErrorCode.InternalError) });
    }
    logRequest(request, response, context);
  }
}
