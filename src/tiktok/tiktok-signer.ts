import { createHmac } from 'node:crypto';

/** Query parameters that never take part in the signature. */
const UNSIGNED_PARAMS = new Set(['sign', 'access_token']);

export interface SignInput {
  /** Request path, e.g. `/authorization/202309/shops` (no host, no query). */
  path: string;
  /** Query parameters as sent, unencoded. `sign` and `access_token` are ignored. */
  query: Record<string, string>;
  /** Exact request body bytes; omitted for GET and for multipart/form-data. */
  body?: Buffer | string;
  contentType?: string;
}

/**
 * TikTok Shop Open API request signature (facts document, section 6): parameters sorted byte-wise and
 * concatenated as `{key}{value}`, prefixed with the path, followed by the body unless multipart, wrapped in
 * the app secret, then lowercase hex HMAC-SHA256 keyed with the app secret.
 */
export function signRequest(appSecret: string, input: SignInput): string {
  const keys = Object.keys(input.query)
    .filter((key) => !UNSIGNED_PARAMS.has(key))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  let payload = input.path;
  for (const key of keys) payload += key + input.query[key];
  const multipart = isMultipart(input.contentType);
  const hmac = createHmac('sha256', appSecret);
  hmac.update(appSecret + payload);
  if (input.body !== undefined && !multipart) hmac.update(input.body);
  hmac.update(appSecret);
  return hmac.digest('hex');
}

/**
 * Whether a Content-Type names multipart/form-data, whatever its parameters (`; boundary=...`) and case:
 * the media type before the first `;` decides (comparing the whole header string, as TikTok's Node SDK
 * does, signs an upload's body and breaks it).
 */
export function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'multipart/form-data';
}
