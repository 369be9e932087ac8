import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ACCESS_METADATA, AccessLevel } from '../common/http/route-access';
import type { Permission } from '../access/caller';
import type { RouteMetric } from '../common/http/request-context';

export const METRIC_METADATA = 'tts:metric';
export const PERMISSION_METADATA = 'tts:permission';

/** What the request pipeline needs to know of a keyed route, whichever path serves it. */
export interface MachineRouteSpec {
  access: Exclude<AccessLevel, 'public'>;
  /** Count every answer of the route by outcome (`served`, or the error code). */
  metric?: RouteMetric;
  /** The permission a service key needs on this route (`tokens` when unset); the admin key has them all. */
  permission?: Permission;
}

/** The permission a service key needs on a `service` route: `tokens` unless marked otherwise. */
export const RequirePermission = (permission: Permission): MethodDecorator & ClassDecorator => SetMetadata(PERMISSION_METADATA, permission);

/**
 * Marks a controller method as the route `spec` describes: the guard reads its access level and metric from
 * here, and a path that answers the route outside Nest (TokenFastPath) passes the same spec to the pipeline.
 */
export const MachineRoute = (spec: MachineRouteSpec): MethodDecorator =>
  applyDecorators(
    SetMetadata(ACCESS_METADATA, spec.access),
    ...(spec.metric ? [SetMetadata(METRIC_METADATA, spec.metric)] : []),
    ...(spec.permission ? [RequirePermission(spec.permission)] : []),
  );
