import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import { AppConfig } from '../../config/app-config';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The path only: query strings carry OAuth codes and states, and TikTok-style secrets. */
export function pathOnly(url: string | undefined): string {
  return (url ?? '').split('?')[0];
}

/** The request's id: `X-Request-Id` when well-formed, a new UUID otherwise; echoed in the response. */
export function assignRequestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('x-request-id', id);
  return id;
}

/**
 * Structured JSON logs (pino) with a request id on every line of a request: taken from `X-Request-Id` when it
 * is well-formed, generated otherwise, and echoed in the response. Requests are logged by method, path and
 * status only: no query string, no headers (keys, cookies), no bodies.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.log.level,
          stream: config.log.file ? pino.destination({ dest: config.log.file, sync: true, mkdir: true }) : undefined,
          genReqId: assignRequestId,
          serializers: {
            req: (request: { id?: unknown; method?: string; url?: string }) => ({
              id: request.id,
              method: request.method,
              path: pathOnly(request.url),
            }),
            res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
            err: pino.stdSerializers.err,
          },
          redact: { paths: ['req.headers', 'res.headers', 'headers', 'authorization', 'cookie'], censor: '[redacted]' },
          customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
            error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
          autoLogging: { ignore: (request: IncomingMessage) => /^\/(health|metrics)(\/|$)/.test(pathOnly(request.url)) },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
