import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/**
 * The exact request bytes, as the raw parser app.factory.ts mounts on /webhooks left them in `req.body`
 * (Nest's own @RawBody reads `req.rawBody`, which this app does not keep). A request without a body leaves
 * `req.body` undefined or `{}`: that is an empty body, and so is anything a JSON parser may have produced,
 * which then fails the signature check rather than being trusted.
 */
export const WebhookBytes = createParamDecorator((_data: unknown, context: ExecutionContext): Buffer => {
  const body: unknown = context.switchToHttp().getRequest<Request>().body;
  return Buffer.isBuffer(body) ? body : Buffer.alloc(0);
});
