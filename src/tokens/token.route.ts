import type { MachineRouteSpec } from '../pipeline/machine-route';

/** The token routes, as the guard and the fast path both apply them: any key, every answer counted. */
export const TOKEN_ROUTE: MachineRouteSpec = { access: 'service', metric: 'token_requests' };
