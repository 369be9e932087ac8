import type { NextFunction, Request, RequestHandler, Response } from 'express';
import helmet, { HelmetOptions } from 'helmet';

type Directives = NonNullable<Exclude<HelmetOptions['contentSecurityPolicy'], boolean | undefined>['directives']>;

/**
 * Pages are static HTML with inline styles and plain forms: no script, nothing may frame them, and no page
 * leaks its URL (which can carry a state or code) through Referer.
 */
const PAGE_POLICY: Directives = {
  defaultSrc: ["'none'"],
  styleSrc: ["'unsafe-inline'"],
  imgSrc: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

/** Swagger UI: its own scripts, stylesheet and icons, inline styles, data: images, requests to this origin. */
const DOCS_POLICY: Directives = {
  ...PAGE_POLICY,
  scriptSrc: ["'self'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
};

function helmetFor(directives: Directives, hsts: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    // Over plain http (development) the header means nothing; behind https it pins browsers to https.
    strictTransportSecurity: hsts ? { maxAge: 31536000, includeSubDomains: true } : false,
  }) as RequestHandler;
}

export type HeaderList = ReadonlyArray<readonly [string, string]>;

/**
 * The headers helmet sets with this configuration. Every directive is a constant, so they are the same for
 * every request: they are recorded once at start-up and then copied onto each response, which costs a few
 * setHeader calls instead of helmet's chain of a dozen middlewares on every request (the token API's hot path).
 */
function recordHeaders(middleware: RequestHandler): HeaderList {
  const recorded = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: string | number | readonly string[]) => recorded.set(name, String(value)),
    removeHeader: (name: string) => recorded.delete(name),
  } as unknown as Response;
  let completed = false;
  void middleware({ method: 'GET', path: '/', url: '/', headers: {} } as Request, response, ((error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused its configuration');
    completed = true;
  }) as NextFunction);
  // helmet is synchronous; if a version ever is not, fail at start-up rather than send no headers.
  if (!completed) throw new Error('helmet did not complete synchronously');
  return [...recorded];
}

export interface SecurityHeadersOptions {
  /** The public URL is https. */
  https: boolean;
  /** Path of the Swagger UI (e.g. `/docs`): the one place scripts may run. */
  docsPath: string;
}

/**
 * The headers of every response outside the Swagger UI: helmet's with the strict page policy, and no caching
 * anywhere (answers carry tokens, pages carry OAuth states).
 */
export function strictSecurityHeaders(https: boolean): HeaderList {
  return [...recordHeaders(helmetFor(PAGE_POLICY, https)), ['Cache-Control', 'no-store']];
}

/** The headers of a response to `url` (path and query): the strict page policy everywhere but the Swagger UI. */
export function securityHeadersFor(options: SecurityHeadersOptions): (url: string) => HeaderList {
  const strict = strictSecurityHeaders(options.https);
  const docs = recordHeaders(helmetFor(DOCS_POLICY, options.https));
  const { docsPath } = options;
  return (url) => {
    if (!url.startsWith(docsPath)) return strict;
    const next = url.charAt(docsPath.length);
    return next === '' || next === '/' || next === '?' ? docs : strict;
  };
}
