import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, ErrorCode } from '../errors/app-error';

/** Deeper than any body this service takes (an API key's is 2 levels); far below what recursion survives. */
export const MAX_BODY_DEPTH = 32;

/** Whether `value` nests objects or arrays more than `limit` levels deep (walked without recursion). */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Object.values(item)) if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * After the JSON parser: a body nested deeper than {@link MAX_BODY_DEPTH} is 400 `invalid_request` before
 * validation, which walks bodies recursively and would overflow the stack (a 500). Raw webhook bodies are
 * bytes, not parsed here.
 */
export function limitBodyDepth(
  request: IncomingMessage & { body?: unknown },
  _response: ServerResponse,
  next: (error?: unknown) => void,
): void {
  const { body } = request;
  if (body !== null && typeof body === 'object' && !Buffer.isBuffer(body) && nestedDeeperThan(body, MAX_BODY_DEPTH)) {
    return next(new AppError(ErrorCode.InvalidRequest, `the request body is nested more than ${MAX_BODY_DEPTH} levels deep`));
  }
  next();
}
