import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import type { Request } from 'express';
import { requiredAccess } from '../http/route-access';
import { AppError, ErrorCode } from '../errors/app-error';
import { isRateLimited } from './rate-limited-routes';

/**
 * @nestjs/throttler's guard, applied only to the public /auth and /webhooks routes. Counts per client
 * address (`req.ip`, which honours X-Forwarded-For only from the proxies `trust proxy` names) and per route.
 * Over the limit: 429 `too_many_requests` with Retry-After, through the one exception filter.
 */
@Injectable()
export class PublicRouteThrottlerGuard extends ThrottlerGuard {
  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<Request>();
    const path = (request.route as { path?: unknown } | undefined)?.path;
    const access = requiredAccess(this.reflector, context.getHandler(), context.getClass());
    return Promise.resolve(!(typeof path === 'string' && isRateLimited(path, access)));
  }

  protected override throwThrottlingException(_context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const seconds = Math.max(1, detail.timeToBlockExpire);
    throw new AppError(ErrorCode.TooManyRequests, `too many requests from this address; retry in ${seconds} s`, {
      retry_after_seconds: seconds,
    });
  }
}
