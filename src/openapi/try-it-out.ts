import type { OpenAPIObject, OperationObject, ParameterObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';

/**
 * Swagger UI's "Try it out" sends whatever the document pre-fills: a parameter's example or default (an
 * `example: 'GB'` made GET /admin/shops filter on GB without anyone asking), and for a body the media
 * type's example, or else a sample with every property (an optional `shop_ids: ["string"]` would create a
 * key for a shop named "string"). So an optional input is never pre-filled: a default moves into the
 * description, an example goes, and a body's example holds its required properties only.
 */
export function leaveOptionalInputsEmpty(document: OpenAPIObject, operation: OperationObject): void {
  for (const parameter of operation.parameters ?? []) {
    if (!isReference(parameter) && !parameter.required) leaveParameterEmpty(parameter);
  }
  const body = operation.requestBody;
  if (!body || isReference(body)) return;
  for (const media of Object.values(body.content)) {
    const schema = resolve(document, media.schema);
    if (media.example === undefined && media.examples === undefined && schema?.properties) media.example = requiredOnly(document, schema);
  }
}

function leaveParameterEmpty(parameter: ParameterObject): void {
  const schema = parameter.schema && !isReference(parameter.schema) ? parameter.schema : undefined;
  const fallback: unknown = schema?.default;
  delete parameter.example;
  delete parameter.examples;
  for (const media of Object.values(parameter.content ?? {})) {
    delete media.example;
    delete media.examples;
  }
  if (schema) {
    delete schema.example;
    delete schema.examples;
    delete schema.default;
  }
  if (fallback !== undefined) {
    const note = `default: ${typeof fallback === 'string' ? fallback : JSON.stringify(fallback)}`;
    parameter.description = parameter.description ? `${parameter.description}; ${note}` : note;
  }
}

/** The body a caller needs at least: each required property with its example (or a placeholder of its type). */
function requiredOnly(document: OpenAPIObject, schema: SchemaObject): Record<string, unknown> {
  const example: Record<string, unknown> = {};
  for (const name of schema.required ?? []) {
    const property = resolve(document, schema.properties?.[name]);
    example[name] = property?.example ?? placeholder(property?.type);
  }
  return example;
}

const PLACEHOLDERS: Record<string, unknown> = { integer: 0, number: 0, boolean: false, array: [], object: {} };

function placeholder(type: SchemaObject['type']): unknown {
  const name = Array.isArray(type) ? type[0] : type;
  return name === undefined ? 'string' : (PLACEHOLDERS[name] ?? 'string');
}

function resolve(document: OpenAPIObject, schema: SchemaObject | ReferenceObject | undefined): SchemaObject | undefined {
  if (!schema || !isReference(schema)) return schema;
  const found = document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
  return found && !isReference(found) ? found : undefined;
}

function isReference(value: object): value is ReferenceObject {
  return '$ref' in value;
}
