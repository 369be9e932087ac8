import { applyDecorators, Param, PipeTransform } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import { AppError, ErrorCode } from '../errors/app-error';
import { isShopId, isTenantId, isUuid, SHOP_ID_RULE, TENANT_ID_PATTERN, TENANT_ID_RULE } from '../ids';

/** A path's `shop_id`: 400 `invalid_request` unless it is a shop id. */
class ShopIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isShopId(value)) throw new AppError(ErrorCode.InvalidRequest, `shop_id must be ${SHOP_ID_RULE}`);
    return value;
  }
}

const SHOP_ID_PIPE = new ShopIdPipe();

/** The route's `:shop_id`, validated, and documented as such. */
export const ShopIdParam = (): ParameterDecorator => Param('shop_id', SHOP_ID_PIPE);

/** The OpenAPI description of `:shop_id`, for the route that takes {@link ShopIdParam}. */
export const ApiShopIdParam = (): MethodDecorator =>
  applyDecorators(ApiParam({ name: 'shop_id', description: `TikTok shop id (${SHOP_ID_RULE})` }));

/** A path's `tenant_id`: 400 `invalid_request` unless it is a tenant id (the product's own id: any such id may be created). */
class TenantIdPipe implements PipeTransform<unknown, string> {
  transform(value: unknown): string {
    if (!isTenantId(value)) throw new AppError(ErrorCode.InvalidRequest, `tenant_id must be ${TENANT_ID_RULE}`);
    return value;
  }
}

const TENANT_ID_PIPE = new TenantIdPipe();

/** The route's `:tenant_id`, validated. */
export const TenantIdParam = (): ParameterDecorator => Param('tenant_id', TENANT_ID_PIPE);

/** The OpenAPI description of `:tenant_id`, for the route that takes {@link TenantIdParam}. */
export const ApiTenantIdParam = (): MethodDecorator =>
  applyDecorators(
    ApiParam({
      name: 'tenant_id',
      description: `the product's own id for its customer (${TENANT_ID_RULE})`,
      schema: { type: 'string', pattern: `^${TENANT_ID_PATTERN}$` },
    }),
  );

/**
 * A path's uuid. A malformed one names no resource, so it is answered as that resource's "not found" (`notFound`),
 * without a query.
 */
class UuidPipe implements PipeTransform<unknown, string> {
  constructor(
    private readonly notFound: ErrorCode,
    private readonly message: string,
  ) {}

  transform(value: unknown): string {
    if (!isUuid(value)) throw new AppError(this.notFound, this.message);
    return value;
  }
}

/** The route's `:name`, a uuid; anything else is `notFound`. */
export const UuidParam = (name: string, notFound: ErrorCode, message: string): ParameterDecorator =>
  Param(name, new UuidPipe(notFound, message));
