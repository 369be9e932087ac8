import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { PinoLogger } from 'nestjs-pino';
import { bearerToken } from '../access/api-key.guard';
import { ApiKeysService } from '../access/api-keys.service';
import { HeaderList, strictSecurityHeaders } from '../common/http/security-headers.middleware';
import { assignRequestId } from '../common/logging/logging.module';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { ShopTokensService } from './shop-tokens.service';

/** `GET /v1/shops/{shop_id}/token` with no query or a plain `min_ttl`, exactly as clients send it. */
const TOKEN_PATH = /^\/v1\/shops\/([A-Za-z0-9_-]{1,64})\/token(?:\?min_ttl=(\d{1,5}))?$/;
const MAX_MIN_TTL = 86400;

/**
 * The token API's cache hits, answered before Express's router and Nest's pipeline.
 *
 * Internal services call `GET /v1/shops/{id}/token` before every TikTok call, so its cost is added to all of
 * them. When this replica already holds the shop's decrypted token (see TokenCache: emptied on every replica
 * by NOTIFY when a refresh, consent, revocation or key deletion commits) and the presented key is the admin
 * key or a service key it resolved recently, the answer needs no database, and most of the per-request cost
 * left is the framework's: routing, guards, pipes, the request logger's child loggers. This middleware, the
 * first one mounted, answers exactly those requests with the same body, status and headers, and the same
 * access log line, and calls `next()` for everything else: a miss, any other path or query, a key it does not
 * know, a shop the key may not see, a token below min_ttl. Every refusal and every error therefore comes
 * from the one full path (ApiKeyGuard, the validation pipe, ShopTokensService).
 */
@Injectable()
export class TokenFastPath {
  private readonly headers: HeaderList;

  constructor(
    private readonly config: AppConfig,
    private readonly keys: ApiKeysService,
    private readonly tokens: ShopTokensService,
    private readonly metrics: MetricsService,
  ) {
    this.headers = strictSecurityHeaders(config.auth.secureCookies);
  }

  readonly middleware = (request: Request, response: Response, next: NextFunction): void => {
    if (!this.config.tokens.cache || request.method !== 'GET' || !this.serve(request, response)) next();
  };

  /** Answers the request and returns true, or returns false having touched nothing. */
  private serve(request: Request, response: Response): boolean {
    const match = TOKEN_PATH.exec(request.url);
    if (!match) return false;
    const minTtl = match[2] === undefined ? this.config.tokens.minTtlSeconds : Number(match[2]);
    if (minTtl > MAX_MIN_TTL) return false;
    const presented = bearerToken(request.headers.authorization);
    const caller = presented && this.keys.cachedCaller(presented);
    if (!caller) return false;
    const answer = this.tokens.cachedToken(caller, match[1], minTtl);
    if (!answer) return false;

    const started = performance.now();
    const id = assignRequestId(request, response);
    const body = JSON.stringify(answer);
    for (const [name, value] of this.headers) response.setHeader(name, value);
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.statusCode = 200;
    response.end(body);
    this.metrics.tokenRequests.inc({ outcome: 'served' });
    // The line pino-http writes for every other request (same serializers: id, method, path, status).
    const logger = PinoLogger.root;
    if (logger?.isLevelEnabled('info')) {
      logger.info({ req: { id, method: request.method, url: request.url }, res: response, responseTime: Math.round(performance.now() - started) }, 'request completed');
    }
    return true;
  }
}
