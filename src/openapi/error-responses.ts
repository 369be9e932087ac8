import type { ResponseObject, SchemaObject } from '@nestjs/swagger';
import { ErrorCode, httpStatusOf } from '../common/errors/app-error';

/** One line per code for the document. A Record, so a new code without a description does not compile. */
const MEANING: Record<ErrorCode, string> = {
  [ErrorCode.InvalidRequest]: 'malformed parameters or body (unknown, repeated, too long, wrong type)',
  [ErrorCode.InvalidJson]: 'the body is not valid JSON',
  [ErrorCode.InvalidState]: 'the consent state is missing, unknown, expired, already used or from another browser',
  [ErrorCode.InvalidCode]: 'TikTok refused the authorization code (36004004: invalid, expired or already used); nothing was stored',
  [ErrorCode.InvalidSignature]: 'the webhook signature (Authorization header) is missing or does not match the body',
  [ErrorCode.Unauthorized]: 'no API key, or an unknown or deleted one (with WWW-Authenticate: Bearer)',
  [ErrorCode.Forbidden]:
    "a service key on an admin route, on a route outside its permissions, or on a shop outside its shop_ids or its tenants' shops (also one that does not exist)",
  [ErrorCode.ShopNotFound]: 'no such shop (for a key that may see it)',
  [ErrorCode.ApiKeyNotFound]: 'no API key with this id',
  [ErrorCode.TenantNotFound]: 'no tenant with this tenant_id',
  [ErrorCode.AuthorizationNotFound]: 'no authorization with this id',
  [ErrorCode.InvalidConnectSession]: 'the connect link is unknown, expired, cancelled or already used; ask for a new one',
  [ErrorCode.ReturnUrlNotAllowed]: 'return_url is not an absolute http(s) URL whose origin is listed in CONNECT_RETURN_ORIGINS',
  [ErrorCode.SellerOwnedByOtherTenant]:
    'the seller (or shop) already belongs to another tenant; an admin moves it with PUT /admin/authorizations/{id}/tenant',
  [ErrorCode.UnknownApp]: 'the app named (app query parameter, body field or path segment) is not one TIKTOK_APPS configures',
  [ErrorCode.AppRequired]: 'the shop id is granted to more than one app: name one with ?app= (the answer lists them in apps)',
  [ErrorCode.ResultNotFound]: 'this browser has no consent result (none, or older than an hour)',
  [ErrorCode.ReauthorizationRequired]: 'the authorization is dead or revoked, or the shop is no longer granted: only a new consent helps',
  [ErrorCode.TiktokUnavailable]: 'the token needs renewing and TikTok cannot be reached; Retry-After says when to retry',
  [ErrorCode.AccessDenied]: 'the seller refused the consent',
  [ErrorCode.ConsentFailed]: 'TikTok ended the consent with an error other than a refusal (its error parameter is in the message)',
  [ErrorCode.NotFound]: 'no such route',
  [ErrorCode.MethodNotAllowed]: 'method not allowed',
  [ErrorCode.PayloadTooLarge]: 'the body is over the size limit',
  [ErrorCode.RequestTimeout]: 'the headers and body did not arrive within HTTP_REQUEST_TIMEOUT_SECONDS',
  [ErrorCode.HeadersTooLarge]: 'the request headers are over the size limit',
  [ErrorCode.UnsupportedMediaType]: 'the body has an unsupported encoding',
  [ErrorCode.TooManyRequests]: 'over RATE_LIMIT_PER_MINUTE from this address; Retry-After says when to retry',
  [ErrorCode.TiktokError]: 'TikTok failed or answered something invalid; nothing was changed',
  [ErrorCode.ServiceUnavailable]: 'the database cannot be reached (Retry-After: 1)',
  [ErrorCode.InternalError]: 'a bug; the body carries an error_id that is in the log',
};

const WITH_RETRY_AFTER = new Set<ErrorCode>([ErrorCode.TiktokUnavailable, ErrorCode.TooManyRequests, ErrorCode.ServiceUnavailable]);

export const ERROR_RESPONSE_SCHEMA = 'ErrorResponse';

/** The body AllExceptionsFilter writes, as a shared component. */
export const errorResponseSchema: SchemaObject = {
  type: 'object',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', example: 404 },
    error: { type: 'string', enum: Object.values(ErrorCode), example: ErrorCode.ShopNotFound },
    message: { type: 'string', description: 'for people; safe to show, never a token or secret' },
    error_id: { type: 'string', format: 'uuid', description: 'internal_error only: the id logged with the error' },
    retry_after_seconds: { type: 'integer', description: 'when the answer carries Retry-After' },
  },
};

/** Error responses grouped by status, each restricted to the codes given. */
export function errorResponses(codes: Iterable<ErrorCode>): Map<number, ResponseObject> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const status = httpStatusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses = new Map<number, ResponseObject>();
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) responses.set(status, errorResponse(status, group.sort()));
  return responses;
}

function errorResponse(status: number, codes: ErrorCode[]): ResponseObject {
  const headers: ResponseObject['headers'] = {};
  if (codes.some((code) => WITH_RETRY_AFTER.has(code))) {
    headers['Retry-After'] = { description: 'seconds to wait before retrying', schema: { type: 'integer' } };
  }
  if (codes.includes(ErrorCode.Unauthorized)) headers['WWW-Authenticate'] = { description: 'Bearer', schema: { type: 'string' } };
  return {
    description: codes.map((code) => `\`${code}\`: ${MEANING[code]}`).join('\n\n'),
    ...(Object.keys(headers).length > 0 ? { headers } : {}),
    content: {
      'application/json': {
        schema: {
          allOf: [
            { $ref: `#/components/schemas/${ERROR_RESPONSE_SCHEMA}` },
            { type: 'object', properties: { statusCode: { type: 'integer', enum: [status] }, error: { type: 'string', enum: codes } } },
          ],
        },
      },
    },
  };
}
