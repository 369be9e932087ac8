import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { signatureHeaderProblem } from './webhook-signature';

/**
 * Mounted on /webhooks/tiktok before the body is read: a delivery whose `Authorization` header cannot be a
 * signature (missing, or not 64 lowercase hex digits) is 401 `invalid_signature` at once, and its connection
 * is closed rather than kept waiting for a body nobody will read. A well-formed header still has to match
 * the body (TiktokWebhooksService).
 */
export function refuseUnsignedWebhooks(
  request: IncomingMessage & { path?: string },
  response: ServerResponse,
  next: (error?: unknown) => void,
): void {
  const problem = request.method === 'POST' && request.path === '/' ? signatureHeaderProblem(request.headers.authorization) : undefined;
  if (problem === undefined) return next();
  response.setHeader('Connection', 'close');
  next(new AppError(ErrorCode.InvalidSignature, problem));
}
