import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../access/caller';
import { SHOP_ID_PATTERN } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { APP_ID_PATTERN, TiktokApps } from '../config/tiktok-apps';
import { RequestPipeline } from '../pipeline/request-pipeline';
import { MAX_MIN_TTL_SECONDS } from './dto/token-query.dto';
import { ShopRequest, ShopTokensService } from './shop-tokens.service';
import { TOKEN_ROUTE } from './token.route';

const MIN_TTL = '(\\d{1,5})';
const APP = `(${APP_ID_PATTERN})`;

/**
 * `GET /v1/shops/{shop_id}/token` with no query, or a plain `min_ttl` and/or `app` (each once, in either order),
 * exactly as clients send it. Groups: 1 the shop id, 2 or 5 min_ttl, 3 or 4 the app.
 */
const TOKEN_PATH = new RegExp(
  `^/v1/shops/(${SHOP_ID_PATTERN})/token(?:\\?(?:min_ttl=${MIN_TTL}(?:&app=${APP})?|app=${APP}(?:&min_ttl=${MIN_TTL})?))?$`,
);

/**
 * The token API's common case, answered on the HTTP server before Express and Nest see the request.
 *
 * Internal services call `GET /v1/shops/{id}/token` before every TikTok call, so its cost is added to all of
 * them. When this replica already holds the shop's decrypted token (see TokenCache: emptied on every replica
 * by NOTIFY when a refresh, consent, revocation or key deletion commits) and the presented key is the admin
 * key or a service key it resolved recently, the answer needs no database, and most of the per-request cost
 * left is the framework's: routing, guards, pipes, the request logger's child loggers, and Express's own
 * per-request prototype swap, which costs far more in garbage collection than in CPU (FrontedExpressAdapter).
 *
 * It runs the same RequestPipeline as the Nest route (request id, security headers, key, shop scope, access
 * log, metric: see TOKEN_ROUTE), and makes the same ShopTokensService call as the controller when the token is
 * not in memory. It calls `next()` for everything else: any other path or query, a key it does not know, a
 * shop the key may not see (or, for a tenant-scoped key, a shop whose owners this replica does not hold in
 * memory: ShopOwners), and any refusal or error of that call. With several apps, a request naming no app
 * (`?app=`) is answered from memory only when this replica holds the shop id's owners (one per app) and the
 * caller may see exactly one of them (ShopTokensService.cachedAppKey); with one app nothing of that is asked. The full path answers that one by
 * rethrowing it (failureOf) rather than doing the same work again: a refusal that took a 5 s wait for a
 * refresh slot or a database connection must not take two. Every refusal and every error therefore comes from
 * the one full path (ApiKeyGuard, the validation pipe, AllExceptionsFilter).
 */
@Injectable()
export class TokenFastPath {
  private readonly enabled: boolean;
  private readonly defaultMinTtl: number;
  /** The error a miss ended with, for the full path to answer; gone with the request. */
  private readonly failures = new WeakMap<object, unknown>();

  constructor(
    config: AppConfig,
    private readonly pipeline: RequestPipeline,
    private readonly tokens: ShopTokensService,
    private readonly apps: TiktokApps,
  ) {
    this.enabled = config.tokens.cache && config.tokens.fastPath;
    this.defaultMinTtl = config.tokens.minTtlSeconds;
  }

  readonly middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const route = this.enabled && request.method === 'GET' ? this.route(request) : undefined;
    // Refusals (two Authorization headers) are the Nest path's to answer, checked only for a token request.
    if (!route || this.pipeline.refusalOf(request)) return next();
    const { caller, shop, minTtl } = route;
    this.pipeline.begin(request, response, TOKEN_ROUTE);
    const appKey = this.tokens.cachedAppKey(caller, shop);
    const cached = appKey === undefined ? undefined : this.tokens.cachedBody(shop.shopId, appKey, minTtl);
    if (cached !== undefined) return this.send(response, cached);
    // A miss: the service call the controller makes (a database read, a refresh if needed), without the
    // framework around it. Any refusal or error goes on to the full path, which answers it as always.
    this.tokens
      .fetchToken(caller, shop, minTtl)
      .then(
        (answer) => this.send(response, JSON.stringify(answer)),
        (error: unknown) => {
          this.failures.set(request, error);
          next();
        },
      )
      // Sending failed half-way (the client went): nothing sensible is left to answer on this connection.
      .catch(() => response.destroy());
  };

  /**
   * How this request's miss ended, when the fast path tried it and failed (taken once). Express hands the full
   * path the same request object, so the controller can rethrow it.
   */
  failureOf(request: object): { error: unknown } | undefined {
    if (!this.failures.has(request)) return undefined;
    const error = this.failures.get(request);
    this.failures.delete(request);
    return { error };
  }

  /**
   * The caller, shop (and app) and min_ttl, for a caller known without the database that may see the shop (in
   * that app, a configured one); undefined otherwise.
   */
  private route(request: IncomingMessage): { caller: Caller; shop: ShopRequest; minTtl: number } | undefined {
    const match = TOKEN_PATH.exec(request.url ?? '');
    if (!match) return undefined;
    const ttl = match[2] ?? match[5];
    const minTtl = ttl === undefined ? this.defaultMinTtl : Number(ttl);
    if (minTtl > MAX_MIN_TTL_SECONDS) return undefined;
    const appId = match[3] ?? match[4];
    const appKey = appId === undefined ? undefined : this.apps.keyOf(appId);
    if (appId !== undefined && appKey === undefined) return undefined;
    const caller = this.pipeline.cachedCaller(request);
    const shopId = match[1];
    return caller && this.pipeline.mayServe(TOKEN_ROUTE, caller, shopId, appKey) ? { caller, shop: { shopId, appId }, minTtl } : undefined;
  }

  private send(response: ServerResponse, body: string): void {
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.statusCode = 200;
    response.end(body);
  }
}
