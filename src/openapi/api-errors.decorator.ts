import { SetMetadata } from '@nestjs/common';
import { ErrorCode } from '../common/errors/app-error';

export const API_ERRORS_METADATA = 'tts:api-errors';

/**
 * The error codes a route answers on its own, for the OpenAPI document. The codes every route of a kind
 * answers (no key, wrong key, rate limit, a bad body, internal errors) are added by the document builder
 * from the route's access level and shape: list only what this route's service throws.
 */
export const ApiErrors = (...codes: ErrorCode[]): MethodDecorator & ClassDecorator => SetMetadata(API_ERRORS_METADATA, codes);
