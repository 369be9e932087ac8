import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/**
 * With METRICS_TOKEN set, /metrics answers only `Authorization: Bearer <METRICS_TOKEN>`; without it, anyone
 * (the route is public, like the probes). Digests of equal length are compared in constant time, so neither
 * the token's characters nor its length leak through the answer's timing.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly expected: Buffer | null;

  constructor(config: AppConfig) {
    this.expected = config.metrics.token === null ? null : digest(config.metrics.token);
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.expected) return true;
    const header = context.switchToHttp().getRequest<Request>().headers.authorization ?? '';
    const presented = /^Bearer[ ]+(\S+)[ ]*$/i.exec(header)?.[1];
    if (presented === undefined || !timingSafeEqual(digest(presented), this.expected)) {
      throw new AppError(ErrorCode.Unauthorized, 'send the metrics token as Authorization: Bearer <METRICS_TOKEN>');
    }
    return true;
  }
}
