import { createHmac, timingSafeEqual } from 'node:crypto';

export interface WebhookCredentials {
  appKey: string;
  appSecret: string;
}

/** Exactly what TikTok sends: 64 lowercase hex digits, no `Bearer`, no whitespace. */
const SIGNATURE_FORMAT = /^[0-9a-f]{64}$/;

/**
 * Why an `Authorization` header cannot be a webhook signature, whatever the body (missing, or not 64
 * lowercase hex digits); undefined when it has the signature's form.
 */
export function signatureHeaderProblem(header: string | undefined): string | undefined {
  if (header === undefined) return 'the Authorization header with the webhook signature is missing';
  if (!SIGNATURE_FORMAT.test(header)) return 'the Authorization header is not a webhook signature (64 lowercase hex digits)';
  return undefined;
}

/**
 * TikTok's webhook signature (facts document, section 7): the `Authorization` header is the lowercase hex
 * HMAC-SHA256, keyed with the app secret, of the app key followed by the raw body bytes as received.
 * Anything that is not 64 lowercase hex digits is simply invalid; the digests are compared in constant time.
 */
export function webhookSignatureMatches(credentials: WebhookCredentials, body: Buffer, header: string | undefined): boolean {
  if (header === undefined || !SIGNATURE_FORMAT.test(header)) return false;
  const expected = createHmac('sha256', credentials.appSecret).update(credentials.appKey, 'utf8').update(body).digest();
  return timingSafeEqual(expected, Buffer.from(header, 'hex'));
}
