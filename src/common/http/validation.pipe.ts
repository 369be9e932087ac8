import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorCode } from '../errors/app-error';

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const name = prefix + error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => message.replace(error.property, name));
    return [...own, ...describe(error.children ?? [], `${name}.`)];
  });
}

/** Strict DTO validation: unknown fields and wrong types are a 400 `invalid_request`, never a 500. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    stopAtFirstError: true,
    exceptionFactory: (errors) => new AppError(ErrorCode.InvalidRequest, describe(errors).join('; ') || 'invalid request'),
  });
}
