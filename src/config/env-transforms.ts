/** The transforms of environment variables' raw strings, before class-validator checks them. */

/** Exactly "true" or "false" (empty is unset): anything else, "yes" too, stays a string and fails @IsBoolean. */
export function toBoolean({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === '') return undefined;
  if (text === 'true') return true;
  if (text === 'false') return false;
  return value;
}

/** Decimal integers only; anything else stays a string so @IsInt reports it as such. */
export function toInteger({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const text = value.trim();
  if (text === '') return undefined;
  return /^-?\d{1,15}$/.test(text) ? Number(text) : text;
}

export function trimmed({ value }: { value: unknown }): unknown {
  if (typeof value !== 'string') return value;
  const result = value.trim();
  return result === '' ? undefined : result;
}
