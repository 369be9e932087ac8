import { raw } from 'express';
import type { RequestHandler } from 'express';

/** Enough for a product image (TikTok's own cap is 5 MB) plus the multipart framing. */
const SANDBOX_UPLOAD_LIMIT = '6mb';
const SIGNED_BODY_LIMIT = '64kb';

export interface BodyMount {
  path: string;
  handler: RequestHandler;
}

/**
 * The shop-scoped Open API signs the exact body bytes, so its routes read their bodies raw, whatever the
 * host's parsers would make of them (the service keeps no raw copy of a JSON body; nothing reads multipart).
 * Mounted before any other parser: a body read here is skipped by them. The upload route, and only it, takes
 * more than a JSON call would.
 */
export function sandboxOpenApiBodies(prefix = '/sandbox'): BodyMount[] {
  const bytes = (limit: string): RequestHandler => raw({ type: () => true, limit, inflate: false });
  return [
    { path: `${prefix}/product/202309/images/upload`, handler: bytes(SANDBOX_UPLOAD_LIMIT) },
    { path: `${prefix}/seller`, handler: bytes(SIGNED_BODY_LIMIT) },
    { path: `${prefix}/order`, handler: bytes(SIGNED_BODY_LIMIT) },
    { path: `${prefix}/product`, handler: bytes(SIGNED_BODY_LIMIT) },
  ];
}
