import type { LoggerService } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import type { IncomingMessage } from 'node:http';
import type { Level, Logger } from 'pino';

/** The request being handled, for every line logged while it is (set by the first Express middleware). */
const currentRequest = new AsyncLocalStorage<IncomingMessage>();

/** Runs `next` with `request` as the request of every line logged until its handling is done. */
export function runInRequestScope(request: IncomingMessage, next: () => void): void {
  currentRequest.run(request, next);
}

/**
 * Nest's start-up listing (one line per module and per route, about 85 lines here) is for whoever debugs the
 * wiring: at debug level, so `LOG_LEVEL=debug` shows it and the default does not.
 */
const LISTING_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

/** Nest's stack-trace contract for `error(message, stack, context)`. */
function isStack(value: unknown): value is string {
  return typeof value === 'string' && /\n\s*at /.test(value);
}

/**
 * Nest's LoggerService on pino: `context` (the class name) on every line, the request (id, method, path) on
 * every line logged while one is handled, errors under `err`.
 */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    // Nest passes the context last; `error` may have a stack before it.
    const context = params.length > 0 && typeof params[params.length - 1] === 'string' ? (params.pop() as string) : undefined;
    const effective = context && LISTING_CONTEXTS.has(context) && level === 'info' ? 'debug' : level;
    if (!this.logger.isLevelEnabled(effective)) return;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    const request = currentRequest.getStore();
    if (request) fields.req = request;
    let text: string | undefined;
    if (message instanceof Error) fields.err = message;
    else if (typeof message === 'object' && message !== null) Object.assign(fields, message);
    else text = String(message);
    if (level === 'error' && isStack(params[0])) {
      const err = new Error(text);
      err.stack = params.shift() as string;
      fields.err = err;
    }
    this.logger[effective](fields, text, ...params.filter((param) => param !== undefined));
  }
}
