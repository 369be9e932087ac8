/**
 * For class-transformer's @Transform on query parameters: a string of decimal digits (with a minus sign or
 * not) becomes a number, so that @Min reports a negative one; anything else is left alone so @IsInt reports
 * it (a repeated parameter stays an array, and is refused).
 */
export function toInteger({ value }: { value: unknown }): unknown {
  return typeof value === 'string' && /^-?\d{1,9}$/.test(value) ? Number(value) : value;
}
