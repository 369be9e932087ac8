import { CONTROL_CHARACTER } from '../common/text-rules';
/** A tenant's `metadata`: a flat JSON object of string values, for the product's own bookkeeping. */
export const METADATA_MAX_KEYS = 20;
export const METADATA_KEY_MAX_LENGTH = 64;
export const METADATA_VALUE_MAX_LENGTH = 1000;

export const METADATA_RULE =
  `a flat JSON object of at most ${METADATA_MAX_KEYS} string values ` +
  `(keys 1-${METADATA_KEY_MAX_LENGTH} printable characters, values at most ${METADATA_VALUE_MAX_LENGTH} characters)`;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A string PostgreSQL stores as given: no lone UTF-16 surrogate (jsonb refuses one; text turns it into U+FFFD). */
export function isWellFormed(value: string): boolean {
  return !LONE_SURROGATE.test(value);
}

/**
 * Why `value` is not valid metadata, or null when it is. Also refuses what PostgreSQL's jsonb cannot store
 * (U+0000, a lone UTF-16 surrogate), which would otherwise fail as a 500 at the INSERT.
 */
export function metadataProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'metadata must be a JSON object';
  const entries = Object.entries(value);
  if (entries.length > METADATA_MAX_KEYS) return `metadata must have at most ${METADATA_MAX_KEYS} keys`;
  for (const [key, item] of entries) {
    if (key.length === 0 || key.length > METADATA_KEY_MAX_LENGTH) {
      return `each metadata key must be 1-${METADATA_KEY_MAX_LENGTH} characters`;
    }
    if (CONTROL_CHARACTER.test(key) || !isWellFormed(key)) return 'a metadata key must not contain control characters or lone surrogates';
    if (typeof item !== 'string') return `metadata.${key} must be a string (metadata is flat: no numbers, objects, arrays or null)`;
    if (item.length > METADATA_VALUE_MAX_LENGTH) return `metadata.${key} must be at most ${METADATA_VALUE_MAX_LENGTH} characters`;
    if (item.includes('\u0000') || !isWellFormed(item)) return `metadata.${key} must not contain U+0000 or lone surrogates`;
  }
  return null;
}
