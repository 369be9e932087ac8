import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from '../http/request-context';
import { rootLogger } from './root-logger';

/** Probes and scrapes, by their URL (path and query). */
const NOT_LOGGED = /^\/(health|metrics)([/?]|$)/;

/** The level of a request's access line: error for a 5xx, warn for a 4xx. */
export function accessLogLevel(statusCode: number): 'error' | 'warn' | 'info' {
  return statusCode >= 500 ? 'error' : statusCode >= 400 ? 'warn' : 'info';
}

/**
 * The access line of a request, written when its response is done, on either path: id, method, path (the
 * logger's serializers drop the query string) and status; never headers or bodies. Probes are not logged.
 * `aborted`: the client went before the response was sent.
 */
export function logRequest(request: IncomingMessage, response: ServerResponse, context: RequestContext): void {
  const logger = rootLogger();
  const level = accessLogLevel(response.statusCode);
  if (!logger?.isLevelEnabled(level) || NOT_LOGGED.test(request.url ?? '')) return;
  const message = !response.writableFinished ? 'request aborted' : response.statusCode >= 500 ? 'request errored' : 'request completed';
  logger[level](
    {
      req: { id: context.id, method: request.method, url: request.url },
      res: response,
      responseTime: Math.round(performance.now() - context.startedAt),
    },
    message,
  );
}
