import { ClientErrorCode, errorForStatus, RETRYABLE_STATUSES, ServiceUnavailableError, TokenServiceError } from './errors.ts';

/** The subset of `fetch` the client uses; Node's global fetch by default. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** First backoff ceiling; doubles on each retry. */
  baseDelayMs: number;
  /** Longest single wait. A Retry-After beyond it ends the retries at once. */
  maxDelayMs: number;
  /** Deadline of each attempt, answer body included. */
  timeoutMs: number;
}

export interface ServiceRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  /** A JSON body (`content-type` is the caller's to set). */
  body?: string;
  /** What the request is about, for error messages: `shop 7000...`, `tenant merchant-42`. */
  subject: string;
  /** The shop, on a shop's route: every error of the request carries it. */
  shopId?: string;
}

type Attempt = { kind: 'done'; body: unknown } | { kind: 'failed'; error: TokenServiceError; retryable: boolean; retryAfterMs?: number };

/**
 * One call to the service with retries: exponential backoff with jitter on 429/502/503/504, network errors
 * and timeouts, never sooner than a Retry-After (header, or `retry_after_seconds` in the body) says.
 * Resolves with the parsed JSON body of a 2xx answer.
 */
export async function callService(
  fetchFn: FetchLike,
  request: ServiceRequest,
  policy: RetryPolicy,
  random: () => number = Math.random,
): Promise<unknown> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await attemptOnce(fetchFn, request, policy.timeoutMs);
    if (outcome.kind === 'done') return outcome.body;
    if (!outcome.retryable) throw outcome.error;
    const delay = attempt <= policy.retries ? retryDelayMs(attempt, policy, outcome.retryAfterMs, random) : undefined;
    if (delay === undefined) throw exhausted(outcome.error, attempt, outcome.retryAfterMs);
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

/** The wait before retry number `retry` (1-based), or undefined when the service asks for more than the cap. */
export function retryDelayMs(
  retry: number,
  policy: RetryPolicy,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry - 1, 30));
  // From the upper half of the ceiling: callers spread out, none retries much sooner than planned.
  const backoff = ceiling / 2 + (ceiling / 2) * random();
  if (retryAfterMs === undefined) return backoff;
  if (retryAfterMs > policy.maxDelayMs) return undefined;
  return Math.max(backoff, retryAfterMs + retryAfterMs * 0.25 * random());
}

async function attemptOnce(fetchFn: FetchLike, request: ServiceRequest, timeoutMs: number): Promise<Attempt> {
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number;
  let retryAfterHeader: string | null;
  let text: string;
  try {
    const response = await fetchFn(request.url.toString(), {
      method: request.method,
      headers: request.headers,
      body: request.body,
      signal,
      redirect: 'manual',
    });
    status = response.status;
    retryAfterHeader = response.headers.get('retry-after');
    text = await response.text();
  } catch (error) {
    return { kind: 'failed', retryable: true, error: noAnswer(error, request) };
  }
  const body = parseJson(text);
  if (status >= 200 && status < 300) {
    if (body === undefined) return { kind: 'failed', retryable: false, error: invalidResponse(status, request, 'the answer is not JSON') };
    return { kind: 'done', body };
  }
  const fields = errorFields(body);
  const retryAfterSeconds = parseRetryAfter(retryAfterHeader, fields.retryAfterSeconds);
  const code = fields.error ?? `http_${status}`;
  const detail = fields.message ?? (body === undefined ? 'an answer that is not the service JSON (a proxy?)' : 'no message');
  const error = errorForStatus({
    status,
    code,
    message: `token service answered ${status} ${code} for ${request.subject}: ${detail}`,
    shopId: request.shopId,
    retryAfterSeconds,
    apps: fields.apps,
  });
  return {
    kind: 'failed',
    error,
    retryable: RETRYABLE_STATUSES.has(status),
    retryAfterMs: retryAfterSeconds === undefined ? undefined : retryAfterSeconds * 1000,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const APP_ID = /^[a-z0-9-]{1,32}$/;

/** The service's error body: `{ statusCode, error, message, retry_after_seconds?, apps? }`. */
function errorFields(body: unknown): { error?: string; message?: string; retryAfterSeconds?: number; apps?: string[] } {
  if (body === null || typeof body !== 'object') return {};
  const { error, message, retry_after_seconds: retryAfter, apps } = body as Record<string, unknown>;
  return {
    error: typeof error === 'string' && /^[a-z0-9_]{1,64}$/.test(error) ? error : undefined,
    // The service's messages name shops and routes, never secrets; cut anyway, a proxy could say anything.
    message: typeof message === 'string' ? message.slice(0, 300) : undefined,
    retryAfterSeconds: typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
    apps: Array.isArray(apps) ? apps.filter((app): app is string => typeof app === 'string' && APP_ID.test(app)).slice(0, 32) : undefined,
  };
}

/** Seconds from a Retry-After header (seconds or an HTTP date) and/or the body; the longer wins. */
export function parseRetryAfter(header: string | null, bodySeconds: number | undefined, now: number = Date.now()): number | undefined {
  let fromHeader: number | undefined;
  if (header !== null) {
    const trimmed = header.trim();
    if (/^\d{1,9}$/.test(trimmed)) fromHeader = Number(trimmed);
    else if (trimmed !== '' && Number.isFinite(Date.parse(trimmed)))
      fromHeader = Math.max(0, Math.ceil((Date.parse(trimmed) - now) / 1000));
  }
  if (fromHeader === undefined) return bodySeconds;
  return bodySeconds === undefined ? fromHeader : Math.max(fromHeader, bodySeconds);
}

function noAnswer(error: unknown, request: ServiceRequest): TokenServiceError {
  const timedOut = (error as { name?: unknown } | null)?.name === 'TimeoutError';
  return new ServiceUnavailableError({
    status: 0,
    code: timedOut ? ClientErrorCode.Timeout : ClientErrorCode.NetworkError,
    message: timedOut
      ? `token service did not answer in time (${request.subject})`
      : `token service unreachable (${request.subject}): ${networkReason(error)}`,
    shopId: request.shopId,
    cause: error,
  });
}

/**
 * undici says "fetch failed" and keeps the reason (ECONNREFUSED...) in `cause`. Only codes and names, never a
 * message: fetch's messages may quote the request's URL or header values.
 */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown } } | null)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (error instanceof Error) return error.name;
  return 'unknown error';
}

export function invalidResponse(status: number, request: ServiceRequest, why: string): TokenServiceError {
  return new TokenServiceError({
    status,
    code: ClientErrorCode.InvalidResponse,
    message: `token service answer for ${request.subject} unusable: ${why}`,
    shopId: request.shopId,
  });
}

function exhausted(last: TokenServiceError, attempts: number, retryAfterMs: number | undefined): ServiceUnavailableError {
  const why =
    attempts > 1
      ? `after ${attempts} attempts`
      : retryAfterMs === undefined
        ? 'and retries are off'
        : `and asks for ${Math.ceil(retryAfterMs / 1000)} s, longer than retryMaxDelayMs`;
  return new ServiceUnavailableError({
    status: last.status,
    code: last.code,
    message: `${last.message} (giving up ${why})`,
    shopId: last.shopId,
    retryAfterSeconds: last.retryAfterSeconds,
    attempts,
    cause: last,
  });
}
