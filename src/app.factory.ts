import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express, { raw } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { FrontedExpressAdapter } from './common/http/fronted-express-adapter';
import { limitBodyDepth } from './common/http/json-depth';
import { routeMethodsOf } from './common/http/route-methods';
import { createValidationPipe } from './common/http/validation.pipe';
import { appLogger } from './common/logging/app-logger';
import { runInRequestScope } from './common/logging/nest-logger';
import { AppConfig } from './config/app-config';
import { TiktokApps } from './config/tiktok-apps';
import { setupOpenApi } from './openapi/openapi';
import { sandboxOpenApiBodies } from './sandbox/sandbox-open-api.bodies';
import { RequestPipeline } from './pipeline/request-pipeline';
import { TokenFastPath } from './tokens/token-fast-path';
import { refuseUnsignedWebhooks } from './webhooks/webhook-signature.middleware';

/** Builds the application (shared by main.ts and the tests) without listening. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  // One spelling per route: /ADMIN or /Metrics are not routes, so an edge rule on /admin or /metrics cannot be
  // sidestepped by case. Express reads this when it creates its router, which Nest does at once: hence set here.
  const server = express();
  server.set('case sensitive routing', true);
  const adapter = new FrontedExpressAdapter(server, config.http.requestTimeoutSeconds * 1000);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    // Everything Nest and this code log goes through pino (common/logging): JSON lines, human-readable ones on
    // a development terminal; Nest's module and route listing at debug level.
    logger: appLogger(config),
  });
  app.disable('x-powered-by');
  // The client address (the rate limit's key) is the connection's peer, unless the peer is a proxy TRUST_PROXY
  // names: then X-Forwarded-For says who the client is. Nobody is believed by default, not even loopback.
  app.set('trust proxy', config.http.trustProxy.length > 0 ? config.http.trustProxy : false);
  // Tokens and pages are never cached, so a validator per response would only cost a hash.
  app.set('etag', false);
  // The token API's common case is answered on the HTTP server, before Express (see TokenFastPath and
  // FrontedExpressAdapter); all the rest goes on to Express.
  adapter.setFront(app.get(TokenFastPath).middleware);
  // The request pipeline's first step (request id, security headers, access log and metrics on completion)
  // comes first in Express, so that every other answer has it, a body parser's refusal included; then the
  // refusals that need no route (two Authorization headers).
  const pipeline = app.get(RequestPipeline);
  app.use((request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => {
    pipeline.begin(request, response);
    const refusal = pipeline.refusalOf(request);
    if (refusal) return next(refusal);
    // Every line logged while Nest handles the request carries it (id, method, path).
    runInRequestScope(request, next);
  });
  // TikTok signs the exact bytes it sends: a delivery for an unknown app or without a well-formed signature
  // header is refused before its body is read (on /webhooks/tiktok and every /webhooks/tiktok/{app}); the
  // others get the bytes raw (JSON.parse happens after the signature check), and the JSON parser below skips
  // bodies already read.
  app.use('/webhooks/tiktok', refuseUnsignedWebhooks(app.get(TiktokApps)));
  app.use('/webhooks', raw({ type: () => true, limit: '256kb', inflate: false }));
  // The emulator's shop-scoped Open API signs body bytes and takes a multipart upload: its routes alone read
  // their bodies raw (with their own limits); every other route keeps the parsers below.
  if (config.sandbox.enabled) for (const { path, handler } of sandboxOpenApiBodies()) app.use(path, handler);
  app.useBodyParser('json', { limit: '64kb' });
  app.useBodyParser('urlencoded', { limit: '16kb', extended: false });
  app.use(limitBodyDepth);
  // Only the consent flow reads a cookie (the browser binding of the OAuth state), connect links included.
  app.use('/auth', cookieParser());
  app.use('/connect', cookieParser());
  app.useGlobalFilters(
    new AllExceptionsFilter(routeMethodsOf(server), {
      anonymousConsent: config.tenancy.anonymousConsent,
      severalApps: config.tiktok.apps.length > 1,
    }),
  );
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  setupOpenApi(app);
  return app;
}
