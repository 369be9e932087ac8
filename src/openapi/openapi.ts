import type { Type } from '@nestjs/common';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import fs from 'node:fs';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, OpenAPIObject, OperationObject, SwaggerModule } from '@nestjs/swagger';
import { AccessLevel, requiredAccess } from '../common/http/route-access';
import { ErrorCode } from '../common/errors/app-error';
import { isRateLimited } from '../common/rate-limit/rate-limited-routes';
import { API_ERRORS_METADATA } from './api-errors.decorator';
import { ERROR_RESPONSE_SCHEMA, errorResponses, errorResponseSchema } from './error-responses';
import { leaveOptionalInputsEmpty } from './try-it-out';

/** Swagger UI here, the document at `${DOCS_PATH}-json`. Both public, neither in the document. */
export const DOCS_PATH = '/docs';
export const BEARER_SCHEME = 'bearer';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The document's sections in this order: the token API, its main audience, first. Paths follow their tag. */
const TAGS = [
  { name: 'tokens', description: 'tokens for internal services (a service key or the admin key)' },
  { name: 'connect', description: "connect links for a tenant's merchants (a service key with the connect permission, or the admin key)" },
  { name: 'admin', description: 'API keys, shops and authorizations (the admin key)' },
  { name: 'consent', description: "the seller's consent flow (public, rate limited)" },
  { name: 'webhooks', description: "TikTok's notifications (public, signed, rate limited)" },
  { name: 'operations', description: 'probes and metrics' },
];

const DESCRIPTION = `Holds and refreshes the OAuth tokens of TikTok Shop sellers.

- **/v1** (a service key or the admin key): tokens for internal services.
- **/admin** and **/auth/status** (the admin key only): API keys, shops, authorizations.
- **/auth**, **/connect** and **/webhooks** (public, rate limited per client address): the seller consent flow (anonymous, or
  through a tenant's connect link) and TikTok's notifications.

Every error is \`{ statusCode, error, message }\` with a machine-readable \`error\` code; each operation lists the codes it can
answer. A browser (\`Accept: text/html\`) gets the same error as an HTML page.`;

interface Route {
  controller: Type<unknown>;
  handler: (...args: unknown[]) => unknown;
}

/** Builds the document and serves it at GET /docs (Swagger UI) and GET /docs-json. */
export function setupOpenApi(app: NestExpressApplication): OpenAPIObject {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, {
    raw: ['json'],
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    customSiteTitle: 'TikTok Shop token service API',
  });
  return document;
}

export function buildOpenApiDocument(app: NestExpressApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('TikTok Shop token service')
    .setDescription(DESCRIPTION)
    .setVersion(packageVersion())
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'an opaque key: a service key (`tts_…`, for /v1) or the admin key' },
      BEARER_SCHEME,
    );
  for (const { name, description } of TAGS) builder.addTag(name, description);
  const config = builder.build();
  // DocumentBuilder adds `bearerFormat: JWT` to every bearer scheme; these keys are no JWTs.
  const scheme = config.components?.securitySchemes?.[BEARER_SCHEME];
  if (scheme && 'bearerFormat' in scheme) delete scheme.bearerFormat;
  const document = SwaggerModule.createDocument(app, config);
  document.paths = inTagOrder(document.paths);
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, [ERROR_RESPONSE_SCHEMA]: errorResponseSchema },
  };
  const routes = routesByOperationId(app);
  const reflector = app.get(Reflector);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const route = routes.get(operation.operationId ?? '');
      // Swagger names operations `${Controller}_${method}`: a name that maps to no handler is a bug here.
      if (!route) throw new Error(`OpenAPI: no handler for operation ${operation.operationId ?? `${method} ${path}`}`);
      describeRoute(operation, path, route, reflector);
      leaveOptionalInputsEmpty(document, operation);
    }
  }
  return document;
}

/** The version of the package (package.json, two folders up from both src/openapi and dist/openapi). */
function packageVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

/** The paths grouped by the tag of their first operation, in the order of TAGS; within a tag, as Nest listed them. */
function inTagOrder(paths: OpenAPIObject['paths']): OpenAPIObject['paths'] {
  const rank = (item: OpenAPIObject['paths'][string]): number => {
    const tag = METHODS.map((method) => item[method]?.tags?.[0]).find((name) => name !== undefined);
    const index = TAGS.findIndex(({ name }) => name === tag);
    return index === -1 ? TAGS.length : index;
  };
  return Object.fromEntries(Object.entries(paths).sort(([, a], [, b]) => rank(a) - rank(b)));
}

/** Security and error responses from the same metadata the guard and the rate limit read. */
function describeRoute(operation: OperationObject, path: string, route: Route, reflector: Reflector): void {
  const access = requiredAccess(reflector, route.handler, route.controller);
  if (access !== 'public') operation.security = [{ [BEARER_SCHEME]: [] }];
  const own = reflector.getAllAndMerge<ErrorCode[]>(API_ERRORS_METADATA, [route.handler, route.controller]);
  const codes = [...own, ...commonErrors(operation, path, access)];
  operation.responses ??= {};
  for (const [status, response] of errorResponses(codes)) {
    // An explicit @ApiResponse for the status (terminus' 503 on /health/ready) says more than the error shape.
    operation.responses[String(status)] ??= response;
  }
}

/** What every route of this kind can answer, whatever its service does. */
function commonErrors(operation: OperationObject, path: string, access: AccessLevel): ErrorCode[] {
  const codes = [ErrorCode.InternalError];
  // The guard resolves the key (from the database when this replica has not seen it within a minute).
  if (access !== 'public') codes.push(ErrorCode.Unauthorized, ErrorCode.Forbidden, ErrorCode.ServiceUnavailable);
  if (isRateLimited(path, access)) codes.push(ErrorCode.TooManyRequests);
  // The global validation pipe refuses unknown or malformed query parameters and bodies.
  const hasQuery = (operation.parameters ?? []).some((parameter) => 'in' in parameter && parameter.in === 'query');
  if (hasQuery || operation.requestBody) codes.push(ErrorCode.InvalidRequest);
  if (operation.requestBody) codes.push(ErrorCode.InvalidJson, ErrorCode.PayloadTooLarge);
  return codes;
}

/** Every controller method by the operation id Swagger gives it by default: `${Controller}_${method}`. */
function routesByOperationId(app: NestExpressApplication): Map<string, Route> {
  const scanner = new MetadataScanner();
  const routes = new Map<string, Route>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, (...args: unknown[]) => unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        routes.set(`${controller.name}_${name}`, { controller, handler: prototype[name] });
      }
    }
  }
  return routes;
}
