import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { isNativeError } from 'node:util/types';
import { recordErrorCode } from '../http/request-context';
import { redactedPath } from '../logging/root-logger';
import { AppError, ErrorCode, httpStatusOf } from './app-error';
import { bodyRefusal } from './body-errors';
import { describeError } from './describe-error';
import { errorPage, ErrorPageOptions } from './error-page';

interface ErrorBody {
  statusCode: number;
  error: ErrorCode;
  message: string;
  error_id?: string;
  retry_after_seconds?: number;
}

/** Framework and body-parser errors that carry an HTTP status of their own. */
function fromHttpStatus(status: number): ErrorCode {
  switch (status) {
    case 404:
      return ErrorCode.NotFound;
    case 405:
      return ErrorCode.MethodNotAllowed;
    case 413:
      return ErrorCode.PayloadTooLarge;
    case 415:
      return ErrorCode.UnsupportedMediaType;
    case 429:
      return ErrorCode.TooManyRequests;
    case 503:
      return ErrorCode.ServiceUnavailable;
    default:
      return status >= 500 ? ErrorCode.InternalError : ErrorCode.InvalidRequest;
  }
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

// Failures of the connection or of the database server itself, as opposed to a bad query: Node's socket errors,
// and the SQLSTATE classes of PostgreSQL that say the server cannot serve (appendix A of its manual): 08
// connection exception, 53 insufficient resources (disk full, out of memory, too many connections), 57P
// operator intervention (shutting down, starting up, database dropped), 58 system error (an I/O error, a
// missing file: `could not open file` 58P01 when the data folder is deleted under the server) and XX internal
// error (corrupted data or index). 3D000: the database named in DATABASE_URL does not exist (any more).
const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '3D000']);
const UNAVAILABLE_SQLSTATE = /^(?:08|53|58|XX)[0-9A-Z]{3}$|^57P[0-9A-Z]{2}$/;
const UNAVAILABLE_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|terminating connection|the database system is (starting up|shutting down)|^connect (ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH)\b/i;

export function isDatabaseUnavailable(exception: unknown): boolean {
  // isNativeError: errors made by Node itself (a refused socket) may come from another realm than this
  // module's Error (they do under Jest), where instanceof says no.
  if (!(exception instanceof Error) && !isNativeError(exception)) return false;
  // TypeORM's word for a transaction whose connection the server closed under it.
  if (exception.name === 'QueryRunnerProviderAlreadyReleasedError') return true;
  const { code, driverError } = exception as Error & { code?: unknown; driverError?: { code?: unknown; message?: unknown } };
  const codes = [code, driverError?.code].filter((value): value is string => typeof value === 'string');
  if (codes.some((value) => UNAVAILABLE_CODES.has(value) || UNAVAILABLE_SQLSTATE.test(value))) return true;
  // A connect() to several addresses fails with one AggregateError holding each attempt's error.
  const { errors } = exception as { errors?: unknown };
  if (Array.isArray(errors) && errors.some(isDatabaseUnavailable)) return true;
  return (
    UNAVAILABLE_MESSAGES.test(exception.message) ||
    (typeof driverError?.message === 'string' && UNAVAILABLE_MESSAGES.test(driverError.message))
  );
}

/** The methods a path takes (for a 405 and its Allow header); empty when no route has the path. */
export type AllowedMethods = (path: string) => string[];

/**
 * The one place errors become responses: `{ statusCode, error, message }` with a snake_case `error`, or an
 * HTML page for a browser. Unknown errors become 500 `internal_error` with an id that is logged; their
 * message is never shown.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ExceptionFilter');

  constructor(
    private readonly allowedMethods: AllowedMethods = () => [],
    private readonly pages: ErrorPageOptions = { anonymousConsent: true },
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const body = this.toBody(exception, request);
    if (response.headersSent) return;
    recordErrorCode(request, body.error);
    if (body.error === ErrorCode.MethodNotAllowed) response.setHeader('Allow', this.allowedMethods(request.path).join(', '));
    if (body.error === ErrorCode.Unauthorized) response.setHeader('WWW-Authenticate', 'Bearer');
    const retryAfter = exception instanceof AppError ? exception.details?.retry_after_seconds : body.retry_after_seconds;
    if (typeof retryAfter === 'number') {
      response.setHeader('Retry-After', String(retryAfter));
      body.retry_after_seconds = retryAfter;
    }
    if (request.accepts(['json', 'html']) === 'html') {
      response
        .status(body.statusCode)
        .type('html')
        .send(errorPage(body.statusCode, body.error, body.message, this.pages));
      return;
    }
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, request: Request): ErrorBody {
    if (exception instanceof AppError) {
      return { ...exception.answer, statusCode: httpStatusOf(exception.code), error: exception.code, message: exception.message };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      // Nest wraps body-parser's errors; the original (kept as `cause`) says what was wrong with the body.
      const cause = exception.cause;
      const refusal = bodyRefusal(cause, request);
      if (refusal) return refusal;
      if (cause instanceof URIError) {
        return { statusCode: 400, error: ErrorCode.InvalidRequest, message: 'the URL is not correctly percent-encoded' };
      }
      if (status === 404) return this.routeMiss(request);
      return { statusCode: status, error: fromHttpStatus(status), message: messageOf(exception) };
    }
    if (isDatabaseUnavailable(exception)) {
      this.logger.warn(`database unavailable on ${request.method} ${redactedPath(request.path)}: ${describeError(exception)}`);
      return {
        statusCode: 503,
        error: ErrorCode.ServiceUnavailable,
        message: 'the database is unavailable; retry shortly',
        retry_after_seconds: 1,
      };
    }
    const errorId = randomUUID();
    const detail = describeError(exception);
    this.logger.error(`unhandled error ${errorId} on ${request.method} ${redactedPath(request.path)}: ${detail}`);
    return {
      statusCode: 500,
      error: ErrorCode.InternalError,
      message: `internal error; reference ${errorId}`,
      error_id: errorId,
    };
  }

  /** No route took the request: 405 when the path is a route's with other methods, 404 otherwise. */
  private routeMiss(request: Request): ErrorBody {
    const allowed = this.allowedMethods(request.path);
    if (allowed.length === 0)
      return { statusCode: 404, error: ErrorCode.NotFound, message: `no route for ${request.method} ${redactedPath(request.path)}` };
    return {
      statusCode: 405,
      error: ErrorCode.MethodNotAllowed,
      message: `${request.method} is not a method of ${redactedPath(request.path)} (it takes ${allowed.join(', ')})`,
    };
  }
}
