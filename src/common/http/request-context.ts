import type { IncomingMessage } from 'node:http';

/** What the request pipeline knows about a request while it runs, on either path (see RequestPipeline). */
export interface RequestContext {
  /** `X-Request-Id` when well-formed, a new UUID otherwise. */
  id: string;
  /** performance.now() when the pipeline took the request. */
  startedAt: number;
  /** The metric the route counts its answers in, once the route is known. */
  metric?: RouteMetric;
  /** The `error` code of the answer, when it is an error (set by the one place errors become answers). */
  errorCode?: string;
}

/** Counters a route may count its answers in, by outcome. */
export type RouteMetric = 'token_requests';

const CONTEXT = Symbol('tts.requestContext');

type WithContext = IncomingMessage & { [CONTEXT]?: RequestContext };

export function contextOf(request: IncomingMessage): RequestContext | undefined {
  return (request as WithContext)[CONTEXT];
}

export function attachContext(request: IncomingMessage, context: RequestContext): RequestContext {
  (request as WithContext)[CONTEXT] = context;
  return context;
}

/** Records the `error` code an answer carries, for the access log and the route's metric. */
export function recordErrorCode(request: IncomingMessage, code: string): void {
  const context = contextOf(request);
  if (context) context.errorCode = code;
}
