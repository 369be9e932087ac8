import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { PinoLogger } from 'nestjs-pino';
import { bearerToken } from '../access/api-key.guard';
import { Caller, mayAccessShop } from '../access/caller';
import { ApiKeysService } from '../access/api-keys.service';
import { HeaderList, strictSecurityHeaders } from '../common/http/security-headers.middleware';
import { assignRequestId } from '../common/logging/logging.module';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { MAX_MIN_TTL_SECONDS } from './dto/token-query.dto';
import { ShopTokensService } from './shop-tokens.service';

/** `GET /v1/shops/{shop_id}/token` with no query or a plain `min_ttl`, exactly as clients send it. */
const TOKEN_PATH = /^\/v1\/shops\/([A-Za-z0-9_-]{1,64})\/token(?:\?min_ttl=(\d{1,5}))?$/;

/**
 * The token API's common case, answered on the HTTP server before Express and Nest see the request.
 *
 * Internal services call `GET /v1/shops/{id}/token` before every TikTok call, so its cost is added to all of
 * them. When this replica already holds the shop's decrypted token (see TokenCache: emptied on every replica
 * by NOTIFY when a refresh, consent, revocation or key deletion commits) and the presented key is the admin
 * key or a service key it resolved recently, the answer needs no database, and most of the per-request cost
 * left is the framework's: routing, guards, pipes, the request logger's child loggers, and Express's own
 * per-request prototype swap, which costs far more in garbage collection than in CPU (FrontedExpressAdapter).
 * This handler, mounted in front of Express, answers those requests with the same body, status and headers,
 * and the same access log line; when the token is not in memory (or below min_ttl) it makes the same
 * ShopTokensService call as the controller. It calls `next()` for everything else: any other path or query, a key it does not know, a shop
 * the key may not see, and any refusal or error of that call. The full path answers that one by rethrowing it
 * (failureOf) rather than doing the same work again: a refusal that took a 5 s wait for a refresh slot or a
 * database connection must not take two. Every refusal and every error therefore comes from the one full path
 * (ApiKeyGuard, the validation pipe, AllExceptionsFilter).
 */
@Injectable()
export class TokenFastPath {
  private readonly headers: HeaderList;
  /** The error a miss ended with, for the full path to answer; gone with the request. */
  private readonly failures = new WeakMap<object, unknown>();

  constructor(
    private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
    private readonly tokens: ShopTokensService,
    private readonly metrics: MetricsService,
  ) {
    this.headers = strictSecurityHeaders(config.auth.secureCookies);
  }

  readonly middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const route = this.config.tokens.cache && request.method === 'GET' ? this.route(request) : undefined;
    if (!route) return next();
    const { caller, shopId, minTtl } = route;
    const cached = this.tokens.cachedBody(caller, shopId, minTtl);
    if (cached !== undefined) return this.send(request, response, cached);
    if (!mayAccessShop(caller, shopId)) return next();
    // A miss: the service call the controller makes (a database read, a refresh if needed), without the
    // framework around it. Any refusal or error goes on to the full path, which answers it as always.
    const started = performance.now();
    this.tokens
      .fetchToken(caller, shopId, minTtl)
      .then(
        (answer) => this.send(request, response, JSON.stringify(answer), started),
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

  /** The shop, min_ttl and a caller known without the database; undefined when the full path must decide. */
  private route(request: IncomingMessage): { caller: Caller; shopId: string; minTtl: number } | undefined {
    const match = TOKEN_PATH.exec(request.url ?? '');
    if (!match) return undefined;
    const minTtl = match[2] === undefined ? this.config.tokens.minTtlSeconds : Number(match[2]);
    if (minTtl > MAX_MIN_TTL_SECONDS) return undefined;
    const presented = bearerToken(request.headers.authorization);
    const caller = presented ? this.keys.cachedCaller(presented) : undefined;
    return caller ? { caller, shopId: match[1], minTtl } : undefined;
  }

  private send(request: IncomingMessage, response: ServerResponse, body: string, started = performance.now()): void {
    const id = assignRequestId(request, response);
    for (const [name, value] of this.headers) response.setHeader(name, value);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.statusCode = 200;
    response.end(body);
    this.metrics.tokenRequests.inc({ outcome: 'served' });
    // The line pino-http writes for every other request (same serializers: id, method, path, status).
    const logger = PinoLogger.root;
    if (logger?.isLevelEnabled('info')) {
      logger.info(
        { req: { id, method: request.method, url: request.url }, res: response, responseTime: Math.round(performance.now() - started) },
        'request completed',
      );
    }
  }
}
