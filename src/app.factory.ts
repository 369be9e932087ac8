import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import cookieParser from 'cookie-parser';
import express, { raw } from 'express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppModule } from './app.module';
import { AllExceptionsFilter } from './common/errors/all-exceptions.filter';
import { FrontedExpressAdapter } from './common/http/fronted-express-adapter';
import { createValidationPipe } from './common/http/validation.pipe';
import { appLogger } from './common/logging/app-logger';
import { runInRequestScope } from './common/logging/nest-logger';
import { AppConfig } from './config/app-config';
import { setupOpenApi } from './openapi/openapi';
import { RequestPipeline } from './pipeline/request-pipeline';
import { TokenFastPath } from './tokens/token-fast-path';

/** Builds the application (shared by main.ts and the tests) without listening. */
export async function createApp(config: AppConfig): Promise<NestExpressApplication> {
  // One spelling per route: /ADMIN or /Metrics are not routes, so an edge rule on /admin or /metrics cannot be
  // sidestepped by case. Express reads this when it creates its router, which Nest does at once: hence set here.
  const server = express();
  server.set('case sensitive routing', true);
  const adapter = new FrontedExpressAdapter(server);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), adapter, {
    bodyParser: false,
    // Everything Nest and this code log goes through pino (common/logging): JSON lines, human-readable ones on
    // a development terminal; Nest's module and route listing at debug level.
    logger: appLogger(config),
  });
  app.disable('x-powered-by');
  // Behind a proxy (docker-compose, a load balancer) the client address comes from X-Forwarded-For.
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  // Tokens and pages are never cached, so a validator per response would only cost a hash.
  app.set('etag', false);
  // The token API's common case is answered on the HTTP server, before Express (see TokenFastPath and
  // FrontedExpressAdapter); all the rest goes on to Express.
  adapter.setFront(app.get(TokenFastPath).middleware);
  // The request pipeline's first step (request id, security headers, access log and metrics on completion)
  // comes first in Express, so that every other answer has it, a body parser's refusal included.
  const pipeline = app.get(RequestPipeline);
  app.use((request: IncomingMessage, response: ServerResponse, next: () => void) => {
    pipeline.begin(request, response);
    // Every line logged while Nest handles the request carries it (id, method, path).
    runInRequestScope(request, next);
  });
  // TikTok signs the exact bytes it sends: the webhook route gets them raw (JSON.parse happens after the
  // signature check), and the JSON parser below skips bodies already read.
  app.use('/webhooks', raw({ type: () => true, limit: '256kb', inflate: false }));
  app.useBodyParser('json', { limit: '64kb' });
  app.useBodyParser('urlencoded', { limit: '16kb', extended: false });
  // Only the consent flow reads a cookie (the browser binding of the OAuth state).
  app.use('/auth', cookieParser());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();
  setupOpenApi(app);
  return app;
}
