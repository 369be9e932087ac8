import type { NextFunction, Request, Response } from 'express';

/**
 * Conservative headers on every response. Pages are static HTML with inline styles and plain forms; nothing
 * may frame them, and no page leaks its URL (which can carry a state or code) through Referer.
 */
export function securityHeaders(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  next();
}
