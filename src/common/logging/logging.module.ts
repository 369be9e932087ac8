import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import pino from 'pino';
import { AppConfig } from '../../config/app-config';
import { contextOf } from '../http/request-context';
import { pathOnly } from './request-log';

/**
 * Structured JSON logs (pino). pino-http gives every line logged during a request the request's id (the one
 * the request pipeline assigned); the access line itself is the pipeline's (logRequest), the same on both
 * paths. Requests are logged by method, path and status only: no query string, no headers (keys, cookies),
 * no bodies.
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.log.level,
          stream: config.log.file ? pino.destination({ dest: config.log.file, sync: true, mkdir: true }) : undefined,
          genReqId: (request: IncomingMessage) => contextOf(request)?.id ?? randomUUID(),
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
          autoLogging: false,
        },
      }),
    }),
  ],
})
export class LoggingModule {}
