import type { IncomingMessage } from 'node:http';
import { ErrorCode } from './app-error';

/** An error of body-parser or raw-body (http-errors): a status, and mostly a `type` such as `entity.parse.failed`. */
interface ParserError {
  status: number;
  type?: unknown;
  code?: unknown;
  limit?: unknown;
}

export interface BodyRefusal {
  statusCode: number;
  error: ErrorCode;
  message: string;
}

function isParserError(value: unknown): value is ParserError {
  return typeof (value as Partial<ParserError> | null)?.status === 'number';
}

function kilobytes(limit: unknown): string {
  return typeof limit === 'number' ? ` (at most ${Math.round(limit / 1024)} kB)` : '';
}

/**
 * The service's own answer to a body the parsers could not read, from the error they raised (Nest keeps it as
 * the HttpException's `cause`). Their messages are theirs, or zlib's ("incorrect header check"): never shown.
 * Undefined for anything that is not such an error.
 */
export function bodyRefusal(cause: unknown, request: IncomingMessage): BodyRefusal | undefined {
  if (!isParserError(cause) || cause.status >= 500) return undefined;
  const encoding = String(request.headers['content-encoding'] ?? 'identity');
  switch (cause.type) {
    case 'entity.parse.failed':
      return { statusCode: 400, error: ErrorCode.InvalidJson, message: 'the request body is not valid JSON' };
    case 'entity.too.large':
      return { statusCode: 413, error: ErrorCode.PayloadTooLarge, message: `the request body is too large${kilobytes(cause.limit)}` };
    case 'encoding.unsupported':
      return {
        statusCode: 415,
        error: ErrorCode.UnsupportedMediaType,
        message: `Content-Encoding "${encoding.slice(0, 40)}" is not accepted here (send the body as it is)`,
      };
    case 'charset.unsupported':
      return {
        statusCode: 415,
        error: ErrorCode.UnsupportedMediaType,
        message: 'the charset of the request body is not supported (send UTF-8)',
      };
    case 'request.aborted':
    case 'request.size.invalid':
      return { statusCode: 400, error: ErrorCode.InvalidRequest, message: 'the request body is not as long as Content-Length says' };
  }
  // zlib's own errors (Z_DATA_ERROR, a Brotli code...) carry no type: the body is not what its Content-Encoding says.
  if (cause.type === undefined && encoding.toLowerCase() !== 'identity') {
    return {
      statusCode: 400,
      error: ErrorCode.InvalidRequest,
      message: `the request body is not valid ${encoding.slice(0, 40)} data (Content-Encoding)`,
    };
  }
  return undefined;
}
