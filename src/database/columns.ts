import { getMetadataArgsStorage } from 'typeorm';

/** An entity class: the type of a table's rows (src/entities.ts lists them). */
export type EntityClass<E> = abstract new () => E;

/** Some of an entity's properties, as a query that selects only those returns them. */
export type Columns<E, K extends keyof E> = Pick<E, K>;

/**
 * The column an entity property maps to, as its @Column (@PrimaryColumn, @CreateDateColumn...) names it. Read
 * from the decorators themselves, so hand-written SQL names the same columns the entities, the migrations'
 * schema diff and the TypeORM repository API do.
 */
export function columnOf<E>(entity: EntityClass<E>, property: keyof E & string): string {
  const column = getMetadataArgsStorage()
    .filterColumns(entity)
    .find((candidate) => candidate.propertyName === property);
  if (!column) throw new Error(`${entity.name}.${property} is not a column`);
  return column.options.name ?? property;
}

/**
 * A select-list of entity properties read from the table aliased `alias`: `alias.column AS "property"`, or
 * `AS "prefix.property"` with a prefix (see {@link nestRow}), so a hand-written query returns the entity's own
 * property names and its result can be typed as `Pick<Entity, ...>`.
 */
export function selectColumns<E>(
  entity: EntityClass<E>,
  alias: string,
  properties: readonly (keyof E & string)[],
  prefix?: string,
): string {
  return properties.map((property) => `${alias}.${columnOf(entity, property)} AS "${prefix ? `${prefix}.` : ''}${property}"`).join(', ');
}

/**
 * Turns the flat row of a join (`{ "shop.id": ..., "authorization.status": ... }`, as {@link selectColumns}
 * with prefixes names them) into one object per prefix (`{ shop: { id }, authorization: { status } }`).
 * Unprefixed columns stay at the top.
 */
export function nestRow<T>(row: Record<string, unknown>): T {
  const nested: Record<string, unknown> = {};
  for (const key in row) {
    const split = splitKey(key);
    if (!split) {
      nested[key] = row[key];
      continue;
    }
    const part = (nested[split[0]] ??= {}) as Record<string, unknown>;
    part[split[1]] = row[key];
  }
  return nested as T;
}

/**
 * `"shop.id"` as `["shop", "id"]`, computed once per column name: the token read on a cache miss nests every
 * row, and slicing its column names anew each time would be garbage on that path.
 */
const SPLIT_KEYS = new Map<string, readonly [string, string] | null>();
function splitKey(key: string): readonly [string, string] | null {
  let split = SPLIT_KEYS.get(key);
  if (split === undefined) {
    const dot = key.indexOf('.');
    split = dot < 0 ? null : [key.slice(0, dot), key.slice(dot + 1)];
    // Column names come from this codebase's select-lists: a bounded set.
    if (SPLIT_KEYS.size < 10_000) SPLIT_KEYS.set(key, split);
  }
  return split;
}

/**
 * Every repository method that reads or writes one seller's or shop's rows takes that id first and refuses an
 * empty one: TypeORM drops `undefined` from a `where`, and a query missing its id would reach other rows. The
 * same argument is where a tenant id joins.
 */
export function requireId(id: string | null | undefined, what: string): string {
  if (typeof id !== 'string' || id.length === 0) throw new Error(`${what} is required`);
  return id;
}
