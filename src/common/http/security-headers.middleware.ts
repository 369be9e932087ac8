import type { RequestHandler } from 'express';
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

function headers(directives: Directives, hsts: boolean): RequestHandler {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    // Over plain http (development) the header means nothing; behind https it pins browsers to https.
    strictTransportSecurity: hsts ? { maxAge: 31536000, includeSubDomains: true } : false,
  }) as RequestHandler;
}

export interface SecurityHeadersOptions {
  /** The public URL is https. */
  https: boolean;
  /** Path of the Swagger UI (e.g. `/docs`): the one place scripts may run. */
  docsPath: string;
}

/** helmet on every response, with the strict page policy everywhere but the Swagger UI. */
export function securityHeaders(options: SecurityHeadersOptions): RequestHandler {
  const strict = headers(PAGE_POLICY, options.https);
  const docs = headers(DOCS_POLICY, options.https);
  return (request, response, next) => {
    const underDocs = request.path === options.docsPath || request.path.startsWith(`${options.docsPath}/`);
    (underDocs ? docs : strict)(request, response, next);
  };
}
