import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { TiktokApps } from '../config/tiktok-apps';
import { requireApp } from '../common/http/apps';
import { webhookAppSegment } from './webhook-app';
import { signatureHeaderProblem } from './webhook-signature';

type Middleware = (request: IncomingMessage & { path?: string }, response: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Mounted on /webhooks/tiktok before the body is read. A delivery to `/webhooks/tiktok/{app}` for an app not
 * configured is 400 `unknown_app`, and one whose `Authorization` header cannot be a signature (missing, or not
 * 64 lowercase hex digits) is 401 `invalid_signature`, both at once, and the connection is closed rather than
 * kept waiting for a body nobody will read. A well-formed header still has to match the body, with the
 * credentials of the path's app (TiktokWebhooksService).
 */
export function refuseUnsignedWebhooks(apps: TiktokApps): Middleware {
  return (request, response, next) => {
    const segment = request.method === 'POST' ? webhookAppSegment(request.path) : null;
    if (segment === null) return next();
    let refusal: AppError | undefined;
    try {
      requireApp(apps, segment.id);
      const problem = signatureHeaderProblem(request.headers.authorization);
      if (problem !== undefined) refusal = new AppError(ErrorCode.InvalidSignature, problem);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      refusal = error;
    }
    if (refusal === undefined) return next();
    response.setHeader('Connection', 'close');
    next(refusal);
  };
}
