import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppError, ErrorCode } from '../common/errors/app-error';
import type { AppConfig } from '../config/app-config';
import type { MetricsService } from '../metrics/metrics.service';
import { ApiKeyGuard } from './api-key.guard';
import { RequestPipeline } from './request-pipeline';
import type { ApiKeysService } from '../access/api-keys.service';
import { Caller, RequestWithCaller } from '../access/caller';
import { AdminAccess, Public, ServiceAccess } from '../common/http/route-access';
import type { ShopOwner, ShopOwners } from '../access/shop-owners';
import { RequirePermission } from './machine-route';
import { TiktokApp, TiktokApps } from '../config/tiktok-apps';

const ADMIN = 'admin-key-0123456789-0123456789-0123456789';
const SERVICE = `tts_${'s'.repeat(43)}`;
const SERVICE_CALLER: Caller = {
  kind: 'service',
  keyId: 'k1',
  name: 'orders',
  shopIds: ['shop-a'],
  tenantIds: null,
  permissions: ['tokens'],
};

const APPS = new TiktokApps([
  new TiktokApp('global', 'global-key', 'global-secret', 'global-service', 'https://consent.example'),
  new TiktokApp('us', 'us-key', 'us-secret', 'us-service', 'https://consent.example'),
]);

/** Shops of tenant-a and tenant-b (shop-2 in both apps, tenant-b's in the US one); any other shop does not exist. */
const OWNED: Record<string, ShopOwner[]> = {
  'shop-a': [{ appKey: 'global-key', authorizationId: 'auth-1', tenantId: 'tenant-a', granted: true }],
  'shop-b': [{ appKey: 'global-key', authorizationId: 'auth-2', tenantId: 'tenant-b', granted: true }],
  'shop-n': [{ appKey: 'global-key', authorizationId: 'auth-3', tenantId: null, granted: true }],
  'shop-2': [
    { appKey: 'global-key', authorizationId: 'auth-1', tenantId: 'tenant-a', granted: true },
    { appKey: 'us-key', authorizationId: 'auth-4', tenantId: 'tenant-b', granted: true },
  ],
};
const OWNERS: ShopOwners = {
  cached: () => undefined,
  find: (shopId: string) => Promise.resolve(OWNED[shopId] ?? []),
};

const TENANT = `tts_${'t'.repeat(43)}`;
const TENANT_CALLER: Caller = {
  kind: 'service',
  keyId: 'k2',
  name: 'tenant-a products',
  shopIds: null,
  tenantIds: ['tenant-a'],
  permissions: ['tokens'],
};
const CONNECT = `tts_${'c'.repeat(43)}`;
const CONNECT_CALLER: Caller = { ...TENANT_CALLER, keyId: 'k3', name: 'tenant-a connect', permissions: ['connect'] };

class Unmarked {
  handler(): void {}
}

@Public()
class PublicClass {
  handler(): void {}
  @AdminAccess() adminHandler(): void {}
}

@ServiceAccess()
class ServiceClass {
  handler(): void {}
  @Public() publicHandler(): void {}
  @AdminAccess() adminHandler(): void {}
}

@ServiceAccess()
class ConnectClass {
  @RequirePermission('connect') handler(): void {}
}

@AdminAccess()
class AdminClass {
  handler(): void {}
  @ServiceAccess() serviceHandler(): void {}
}

function contextFor(
  target: { prototype: object },
  method: string,
  authorization?: string,
  params?: Record<string, string>,
  query?: Record<string, unknown>,
): { context: ExecutionContext; request: RequestWithCaller } {
  const request = { headers: authorization === undefined ? {} : { authorization }, params, query } as RequestWithCaller;
  const handler = (target.prototype as Record<string, () => void>)[method];
  const context = {
    getHandler: () => handler,
    getClass: () => target,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

function guardWith(): { guard: ApiKeyGuard; authenticate: jest.Mock } {
  const authenticate = jest.fn((presented: string): Promise<Caller | null> => {
    if (presented === ADMIN) return Promise.resolve({ kind: 'admin' });
    if (presented === SERVICE) return Promise.resolve(SERVICE_CALLER);
    if (presented === TENANT) return Promise.resolve(TENANT_CALLER);
    if (presented === CONNECT) return Promise.resolve(CONNECT_CALLER);
    return Promise.resolve(null);
  });
  const pipeline = new RequestPipeline(
    { auth: { secureCookies: false } } as AppConfig,
    { authenticate } as unknown as ApiKeysService,
    {} as MetricsService,
    OWNERS,
    APPS,
  );
  return { guard: new ApiKeyGuard(new Reflector(), pipeline), authenticate };
}

async function outcome(guard: ApiKeyGuard, context: ExecutionContext): Promise<true | ErrorCode> {
  try {
    return (await guard.canActivate(context)) as true;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe('ApiKeyGuard: access levels', () => {
  it.each<[string, { prototype: object }, string, string | undefined, true | ErrorCode]>([
    ['an unmarked route is admin-only (deny by default): no key', Unmarked, 'handler', undefined, ErrorCode.Unauthorized],
    ['an unmarked route is admin-only: service key', Unmarked, 'handler', `Bearer ${SERVICE}`, ErrorCode.Forbidden],
    ['an unmarked route is admin-only: admin key', Unmarked, 'handler', `Bearer ${ADMIN}`, true],
    ['a public class: no key', PublicClass, 'handler', undefined, true],
    ['a public class: a garbage header is ignored', PublicClass, 'handler', 'Basic Zm9vOmJhcg==', true],
    ['an admin method in a public class: no key', PublicClass, 'adminHandler', undefined, ErrorCode.Unauthorized],
    ['an admin method in a public class: service key', PublicClass, 'adminHandler', `Bearer ${SERVICE}`, ErrorCode.Forbidden],
    ['a service class: service key', ServiceClass, 'handler', `Bearer ${SERVICE}`, true],
    ['a service class: admin key', ServiceClass, 'handler', `Bearer ${ADMIN}`, true],
    ['a service class: no key', ServiceClass, 'handler', undefined, ErrorCode.Unauthorized],
    ['a service class: unknown key', ServiceClass, 'handler', `Bearer tts_${'u'.repeat(43)}`, ErrorCode.Unauthorized],
    ['a public method in a service class: no key', ServiceClass, 'publicHandler', undefined, true],
    ['an admin method in a service class: service key', ServiceClass, 'adminHandler', `Bearer ${SERVICE}`, ErrorCode.Forbidden],
    ['an admin class: service key', AdminClass, 'handler', `Bearer ${SERVICE}`, ErrorCode.Forbidden],
    ['an admin class: admin key', AdminClass, 'handler', `Bearer ${ADMIN}`, true],
    ['a service method in an admin class: service key', AdminClass, 'serviceHandler', `Bearer ${SERVICE}`, true],
  ])('%s', async (_label, target, method, header, expected) => {
    const { guard } = guardWith();
    expect(await outcome(guard, contextFor(target, method, header).context)).toBe(expected);
  });

  it('attaches the caller to the request only when it lets the request through', async () => {
    const { guard } = guardWith();
    const allowed = contextFor(ServiceClass, 'handler', `Bearer ${SERVICE}`);
    await guard.canActivate(allowed.context);
    expect(allowed.request.caller).toEqual(SERVICE_CALLER);
    const refused = contextFor(AdminClass, 'handler', `Bearer ${SERVICE}`);
    await outcome(guard, refused.context);
    expect(refused.request.caller).toBeUndefined();
  });

  it('does not authenticate at all on a public route', async () => {
    const { guard, authenticate } = guardWith();
    await guard.canActivate(contextFor(PublicClass, 'handler', `Bearer ${ADMIN}`).context);
    expect(authenticate).not.toHaveBeenCalled();
  });
});

describe('ApiKeyGuard: the shop a route names', () => {
  it.each<[string, string | undefined, Record<string, string> | undefined, true | ErrorCode]>([
    ['a listed shop', `Bearer ${SERVICE}`, { shop_id: 'shop-a' }, true],
    ["a shop outside the key's list", `Bearer ${SERVICE}`, { shop_id: 'shop-b' }, ErrorCode.Forbidden],
    ['a listed shop in another case', `Bearer ${SERVICE}`, { shop_id: 'SHOP-A' }, ErrorCode.Forbidden],
    ['any shop, for the admin key', `Bearer ${ADMIN}`, { shop_id: 'shop-b' }, true],
    ["a malformed shop id (left to the route's ShopIdParam: 400)", `Bearer ${SERVICE}`, { shop_id: 'not a shop!' }, true],
    ['no shop in the route', `Bearer ${SERVICE}`, undefined, true],
    ['a shop, but no key: 401 first', undefined, { shop_id: 'shop-b' }, ErrorCode.Unauthorized],
  ])('%s', async (_label, header, params, expected) => {
    const { guard } = guardWith();
    expect(await outcome(guard, contextFor(ServiceClass, 'handler', header, params).context)).toBe(expected);
  });
});

describe("ApiKeyGuard: a tenant-scoped key and the shop a route names (the shop's owner looked up)", () => {
  it.each<[string, string, Record<string, string> | undefined, true | ErrorCode]>([
    ["a shop of the key's tenant", `Bearer ${TENANT}`, { shop_id: 'shop-a' }, true],
    ["another tenant's shop", `Bearer ${TENANT}`, { shop_id: 'shop-b' }, ErrorCode.Forbidden],
    ['a shop of no tenant', `Bearer ${TENANT}`, { shop_id: 'shop-n' }, ErrorCode.Forbidden],
    ['a shop that does not exist: 403, as for a shop list', `Bearer ${TENANT}`, { shop_id: 'shop-z' }, ErrorCode.Forbidden],
    ["a malformed shop id (left to the route's ShopIdParam: 400)", `Bearer ${TENANT}`, { shop_id: 'not a shop!' }, true],
    ['no shop in the route', `Bearer ${TENANT}`, undefined, true],
    ['a shop without a tenant, for a key without tenants', `Bearer ${ADMIN}`, { shop_id: 'shop-n' }, true],
  ])('%s', async (_label, header, params, expected) => {
    const { guard } = guardWith();
    expect(await outcome(guard, contextFor(ServiceClass, 'handler', header, params).context)).toBe(expected);
  });

  it.each<[string, string, Record<string, unknown> | undefined, true | ErrorCode]>([
    ["a shop id in two apps, one the key's tenant's: no app named", TENANT, undefined, true],
    ["the app of the tenant's row named", TENANT, { app: 'global' }, true],
    ["the app of another tenant's row named", TENANT, { app: 'us' }, ErrorCode.Forbidden],
    ['an unknown app', TENANT, { app: 'nope' }, ErrorCode.UnknownApp],
    ['an app given twice', TENANT, { app: ['us', 'global'] }, ErrorCode.InvalidRequest],
    ['any app, for a key limited to the shop id (every app of it)', SERVICE, { app: 'us' }, true],
  ])('%s', async (_label, key, query, expected) => {
    const { guard } = guardWith();
    const params = { shop_id: key === SERVICE ? 'shop-a' : 'shop-2' };
    expect(await outcome(guard, contextFor(ServiceClass, 'handler', `Bearer ${key}`, params, query).context)).toBe(expected);
  });
});

describe("ApiKeyGuard: a route's permission", () => {
  it.each<[string, { prototype: object }, string, true | ErrorCode]>([
    ['a tokens route, a key with tokens', ServiceClass, SERVICE, true],
    ['a tokens route, a key with only connect', ServiceClass, CONNECT, ErrorCode.Forbidden],
    ['a connect route, a key with only connect', ConnectClass, CONNECT, true],
    ['a connect route, a key with only tokens', ConnectClass, TENANT, ErrorCode.Forbidden],
    ['a connect route, the admin key', ConnectClass, ADMIN, true],
    ['an admin route, a key with connect', AdminClass, CONNECT, ErrorCode.Forbidden],
  ])('%s', async (_label, target, key, expected) => {
    const { guard } = guardWith();
    expect(await outcome(guard, contextFor(target, 'handler', `Bearer ${key}`).context)).toBe(expected);
  });
});

describe('ApiKeyGuard: reading Authorization', () => {
  it.each<[string, string | undefined]>([
    ['Bearer <key>', `Bearer ${ADMIN}`],
    ['lower-case scheme', `bearer ${ADMIN}`],
    ['upper-case scheme', `BEARER ${ADMIN}`],
    ['several spaces', `Bearer    ${ADMIN}`],
    ['trailing spaces', `Bearer ${ADMIN}   `],
  ])('accepts %s', async (_label, header) => {
    const { guard, authenticate } = guardWith();
    expect(await outcome(guard, contextFor(AdminClass, 'handler', header).context)).toBe(true);
    expect(authenticate).toHaveBeenCalledWith(ADMIN);
  });

  it.each<[string, string | undefined]>([
    ['no header', undefined],
    ['an empty header', ''],
    ['"Bearer"', 'Bearer'],
    ['"Bearer "', 'Bearer '],
    ['the key alone', ADMIN],
    ['Basic', `Basic ${ADMIN}`],
    ['a tab after Bearer', `Bearer\t${ADMIN}`],
    ['no space after Bearer', `Bearer${ADMIN}`],
    ['a second token', `Bearer ${ADMIN} ${ADMIN}`],
    ['a leading space', ` Bearer ${ADMIN}`],
    ['a comma-separated list', `Bearer ${ADMIN}, Bearer ${ADMIN}`],
  ])('refuses %s with 401 without authenticating a mangled key', async (_label, header) => {
    const { guard, authenticate } = guardWith();
    expect(await outcome(guard, contextFor(AdminClass, 'handler', header).context)).toBe(ErrorCode.Unauthorized);
    for (const [presented] of authenticate.mock.calls as [string][]) expect(presented).not.toBe(ADMIN);
  });
});
