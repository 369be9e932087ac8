import fs from 'node:fs';
import path from 'node:path';
import { ErrorCode, httpStatusOf } from '../../src/common/errors/app-error';
import { startTestApp, TestApp } from '../support/test-app';
import { KeyClient } from '../support/tokens';

interface Schema {
  $ref?: string;
  type?: string;
  required?: string[];
  properties?: Record<string, Schema>;
  example?: unknown;
  examples?: unknown;
  default?: unknown;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
  example?: unknown;
  examples?: unknown;
  content?: Record<string, { example?: unknown; examples?: unknown }>;
}

interface Operation {
  operationId: string;
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema?: Schema; example?: unknown; examples?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { allOf?: { properties?: { error?: { enum?: string[] } } }[] } }> }>;
}

interface OpenApiDocument {
  openapi: string;
  info: { version: string };
  tags?: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, Schema> };
}

/** What Swagger UI's "Try it out" fills a parameter's field with (its own order of precedence). */
function prefilled(parameter: Parameter): unknown[] {
  return [
    parameter.example,
    parameter.examples,
    parameter.schema?.example,
    parameter.schema?.examples,
    parameter.schema?.default,
    ...Object.values(parameter.content ?? {}).flatMap((media) => [media.example, media.examples]),
  ].filter((value) => value !== undefined);
}

interface ExpressLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/**
 * Not the service's API: the TikTok emulator, the documentation itself, and catch-all middleware mounts
 * (nestjs-pino's request logging registers `{/*splat}` for every method).
 */
const UNDOCUMENTED = /^\/(sandbox|docs)(\/|-json$|$)|splat/;

/** `GET /v1/shops/{shop_id}/token` for every route Express actually serves, straight from its router. */
function servedRoutes(t: TestApp): string[] {
  const router = (t.app.getHttpAdapter().getInstance() as { router: { stack: ExpressLayer[] } }).router;
  return router.stack.flatMap(({ route }) =>
    route && !UNDOCUMENTED.test(route.path)
      ? Object.keys(route.methods)
          .filter((method) => method !== '_all')
          .map((method) => `${method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`)
      : [],
  );
}

function operations(document: OpenApiDocument): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]),
  );
}

/** The `error` codes an operation documents for a status; undefined when the status is not documented. */
function documentedCodes(operation: Operation, status: number): string[] | undefined {
  const response = operation.responses[String(status)];
  if (!response) return undefined;
  return response.content?.['application/json']?.schema?.allOf?.flatMap((part) => part.properties?.error?.enum ?? []) ?? [];
}

describe('OpenAPI document', () => {
  let t: TestApp;
  let document: OpenApiDocument;

  beforeAll(async () => {
    t = await startTestApp();
    const response = await fetch(`${t.baseUrl}/docs-json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as OpenApiDocument;
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists every route the app serves, and nothing it does not serve', () => {
    const served = servedRoutes(t);
    // A sanity check on the derivation itself: it must see the routes of every kind.
    expect(served).toEqual(
      expect.arrayContaining(['GET /v1/shops/{shop_id}/token', 'POST /admin/api-keys', 'GET /auth/tiktok', 'GET /health/ready']),
    );
    const documented = operations(document).map(([route]) => route);
    expect([...documented].sort()).toEqual([...new Set(served)].sort());
  });

  it('describes every operation', () => {
    const undescribed = operations(document).filter(([, operation]) => !operation.summary);
    expect(undescribed.map(([route]) => route)).toEqual([]);
  });

  it('leaves out the sandbox and the docs routes', () => {
    expect(Object.keys(document.paths).filter((path) => UNDOCUMENTED.test(path))).toEqual([]);
  });

  it('requires the bearer scheme on every /v1 and /admin operation, and on no public one', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [route, operation] of operations(document)) {
      const keyed = /^\w+ \/(v1|admin)\//.test(route) || route === 'GET /auth/status';
      expect({ route, security: operation.security }).toEqual({ route, security: keyed ? [{ bearer: [] }] : undefined });
    }
  });

  it('documents the error codes of each operation under the status they are answered with', () => {
    for (const [route, operation] of operations(document)) {
      expect({ route, internal: documentedCodes(operation, 500) }).toEqual({ route, internal: [ErrorCode.InternalError] });
      for (const status of Object.keys(operation.responses)
        .map(Number)
        .filter((status) => status >= 400)) {
        for (const code of documentedCodes(operation, status) ?? [])
          expect({ route, code, status }).toEqual({ route, code, status: httpStatusOf(code as ErrorCode) });
      }
    }
    const token = document.paths['/v1/shops/{shop_id}/token'].get;
    expect(documentedCodes(token, 401)).toEqual([ErrorCode.Unauthorized]);
    expect(documentedCodes(token, 404)).toEqual([ErrorCode.ShopNotFound]);
    expect(documentedCodes(token, 409)).toEqual([ErrorCode.ReauthorizationRequired]);
    expect(documentedCodes(token, 503)).toEqual([ErrorCode.ServiceUnavailable, ErrorCode.TiktokUnavailable]);
    expect(documentedCodes(document.paths['/auth/tiktok'].get, 429)).toEqual([ErrorCode.TooManyRequests]);
    expect(documentedCodes(document.paths['/v1/shops'].get, 429)).toBeUndefined();
    const create = document.paths['/v1/connect-sessions'].post;
    expect(documentedCodes(create, 400)).toEqual(expect.arrayContaining([ErrorCode.InvalidRequest, ErrorCode.ReturnUrlNotAllowed]));
    expect(documentedCodes(create, 403)).toEqual([ErrorCode.Forbidden]);
    expect(documentedCodes(create, 404)).toEqual([ErrorCode.TenantNotFound]);
    const link = document.paths['/connect/{token}'].get;
    expect(documentedCodes(link, 400)).toEqual([ErrorCode.InvalidConnectSession]);
    expect(documentedCodes(link, 429)).toEqual([ErrorCode.TooManyRequests]);
    expect(documentedCodes(document.paths['/auth/callback'].get, 409)).toEqual([ErrorCode.SellerOwnedByOtherTenant]);
    expect(documentedCodes(document.paths['/auth/tiktok'].get, 404)).toEqual([ErrorCode.NotFound]);
  });

  it('describes query parameters and bodies', () => {
    const names = (operation: Operation, where: string) => (operation.parameters ?? []).filter((p) => p.in === where).map((p) => p.name);
    expect(names(document.paths['/v1/shops/{shop_id}/token'].get, 'query')).toEqual(['app', 'min_ttl']);
    expect(names(document.paths['/v1/shops/{shop_id}/token'].get, 'path')).toEqual(['shop_id']);
    expect(names(document.paths['/admin/shops'].get, 'query').sort()).toEqual(['app', 'limit', 'page', 'region', 'status', 'tenant_id']);
    expect(names(document.paths['/admin/authorizations'].get, 'query').sort()).toEqual(['after', 'app', 'limit', 'status', 'tenant_id']);
    expect(names(document.paths['/v1/shops'].get, 'query').sort()).toEqual(['after', 'app', 'limit', 'tenant_id']);
    expect(names(document.paths['/auth/callback'].get, 'query').sort()).toEqual(['code', 'error', 'state']);
    expect(document.paths['/admin/api-keys'].post.requestBody).toBeDefined();
  });

  it('answers errors the document lists', async () => {
    // A few real answers, checked against the document: a drift between code and docs shows here.
    const admin = new KeyClient(t.baseUrl, t.adminKey);
    const checks: [string, Operation, Response][] = [
      ['no key', document.paths['/v1/shops'].get, await fetch(`${t.baseUrl}/v1/shops`)],
      ['bad query', document.paths['/admin/shops'].get, await admin.get('/admin/shops?limit=0')],
      ['unknown shop', document.paths['/admin/shops/{shop_id}'].get, await admin.get('/admin/shops/7999999999999999')],
      [
        'unknown key',
        document.paths['/admin/api-keys/{id}'].delete,
        await admin.request('/admin/api-keys/00000000-0000-4000-8000-000000000000', { method: 'DELETE' }),
      ],
    ];
    for (const [label, operation, response] of checks) {
      const body = (await response.json()) as { error: string };
      expect({ label, documented: documentedCodes(operation, response.status) }).toEqual({
        label,
        documented: expect.arrayContaining([body.error]),
      });
    }
  });

  it("pre-fills no optional parameter and no optional body field on any route (Swagger UI's Try it out sends them)", () => {
    const parameters = operations(document).flatMap(([route, operation]) =>
      (operation.parameters ?? []).map((parameter) => ({ route, parameter })),
    );
    expect(parameters.filter(({ parameter }) => !parameter.required).length).toBeGreaterThan(15);
    const filled = parameters.filter(({ parameter }) => !parameter.required && prefilled(parameter).length > 0);
    expect(filled.map(({ route, parameter }) => `${route} ${parameter.name}: ${JSON.stringify(prefilled(parameter))}`)).toEqual([]);
    // The defaults are still documented, as words that fill nothing in.
    const limit = document.paths['/admin/shops'].get.parameters?.find((parameter) => parameter.name === 'limit');
    expect(limit?.description).toContain('default: 50');

    // A body Swagger UI has no example for is sampled with every property: so each has one, of its required fields.
    const resolve = (schema?: Schema): Schema | undefined =>
      schema?.$ref ? document.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;
    const bodies = operations(document).flatMap(([route, operation]) =>
      Object.entries(operation.requestBody?.content ?? {}).map(([type, media]) => ({ route, type, media, schema: resolve(media.schema) })),
    );
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    for (const { route, type, media, schema } of bodies) {
      expect({ route, type, fields: Object.keys(media.example ?? {}).sort() }).toEqual({
        route,
        type,
        fields: [...(schema?.required ?? [])].sort(),
      });
    }
    expect(document.paths['/admin/api-keys'].post.requestBody?.content['application/json'].example).toEqual({ name: 'orders-service' });
  });

  it('describes the keys as opaque bearer keys and carries the package version', () => {
    expect(document.components.securitySchemes.bearer).toEqual({
      type: 'http',
      scheme: 'bearer',
      description: expect.stringContaining('tts_'),
    });
    const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(document.info.version).toBe(manifest.version);
    expect(document.info.version).toBe('0.1.0');
  });

  it('puts the token routes first, then each section in the order of its tag', () => {
    const order = ['tokens', 'connect', 'admin', 'consent', 'webhooks', 'operations'];
    expect(document.tags?.map((tag) => tag.name)).toEqual(order);
    const pathTags = Object.values(document.paths).map((item) => Object.values(item)[0].tags?.[0] ?? '');
    for (const tag of pathTags) expect(order).toContain(tag);
    expect(pathTags).toEqual([...pathTags].sort((a, b) => order.indexOf(a) - order.indexOf(b)));
    expect(Object.keys(document.paths).slice(0, 3)).toEqual([
      '/v1/shops',
      '/v1/shops/{shop_id}/token',
      '/v1/shops/{shop_id}/token/refresh',
    ]);
  });

  it('serves Swagger UI at /docs without a key', async () => {
    const response = await fetch(`${t.baseUrl}/docs`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toContain('swagger-ui-bundle.js');
    const script = await fetch(`${t.baseUrl}/docs/swagger-ui-bundle.js`);
    expect(script.status).toBe(200);
    await script.arrayBuffer();
  });
});
