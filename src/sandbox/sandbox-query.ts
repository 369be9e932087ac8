export interface ParsedParams {
  params: Record<string, string>;
  /** Names given more than once or as nested objects: TikTok expects plain single values. */
  malformed: string[];
}

/** Flattens a parsed query string or form body into single string values. */
export function parseParams(raw: unknown): ParsedParams {
  const params: Record<string, string> = {};
  const malformed: string[] = [];
  if (raw === null || typeof raw !== 'object') return { params, malformed };
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value === 'string') params[key] = value;
    else malformed.push(key);
  }
  return { params, malformed };
}

export function has(params: Record<string, string>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(params, key);
}
