import type { Response } from 'express';

/** A complete HTTP answer, built by the services and written as-is by the controllers. */
export interface SandboxReply {
  status: number;
  contentType: string;
  body: string;
  /** Extra response headers (an injected 429's Retry-After). */
  headers?: Record<string, string>;
}

export interface TikTokEnvelope<T> {
  code: number;
  message: string;
  request_id: string;
  data: T;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const HTML_TYPE = 'text/html; charset=utf-8';

export function envelopeReply<T>(envelope: TikTokEnvelope<T>, status = 200): SandboxReply {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(envelope) };
}

export function jsonReply(body: unknown, status = 200): SandboxReply {
  return { status, contentType: JSON_TYPE, body: JSON.stringify(body) };
}

export function htmlReply(body: string, status = 200): SandboxReply {
  return { status, contentType: HTML_TYPE, body };
}

export function rawReply(body: string, contentType: string, status = 200): SandboxReply {
  return { status, contentType, body };
}

/** Written directly so no global interceptor or serializer of the host app reshapes TikTok's answer. */
export function sendReply(res: Response, reply: SandboxReply): void {
  res.status(reply.status);
  res.setHeader('content-type', reply.contentType);
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  if (reply.contentType === HTML_TYPE) {
    // No form-action: Chrome would block the consent form's redirect to the app's callback.
    res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    res.setHeader('x-content-type-options', 'nosniff');
  }
  res.send(reply.body);
}

export function sendRedirect(res: Response, location: string): void {
  res.setHeader('cache-control', 'no-store');
  res.redirect(302, location);
}
