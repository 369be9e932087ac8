import { ValidationError, ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { AppError, ErrorCode } from '../errors/app-error';

/** Constraints on a value's size: what they say is wrong only when the value has the right type. */
const BOUNDS = new Set(['min', 'max', 'minLength', 'maxLength', 'arrayMinSize', 'arrayMaxSize']);

/**
 * One message per property: its type (or format) check when that failed, else the bound it broke. A repeated
 * query parameter (an array) is "must be a string", not "must be shorter than 512 characters", and -1 breaks
 * the lower bound, not the upper one.
 */
function messageOf(error: ValidationError): string | undefined {
  const constraints = Object.entries(error.constraints ?? {});
  const [, message] = constraints.find(([name]) => !BOUNDS.has(name)) ?? constraints[0] ?? [];
  return message;
}

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const name = prefix + error.property;
    const own = messageOf(error);
    return [...(own === undefined ? [] : [own.replace(error.property, name)]), ...describe(error.children ?? [], `${name}.`)];
  });
}

/**
 * Strict DTO validation: unknown fields and wrong types are a 400 `invalid_request`, never a 500. `overrides`
 * for a route that must differ (the OAuth callback ignores unknown parameters), with the same messages.
 */
export function createValidationPipe(overrides: ValidationPipeOptions = {}): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new AppError(ErrorCode.InvalidRequest, describe(errors).join('; ') || 'invalid request'),
    ...overrides,
  });
}
