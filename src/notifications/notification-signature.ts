import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-tts-signature';
export const TIMESTAMP_HEADER = 'x-tts-timestamp';
export const EVENT_ID_HEADER = 'x-tts-event-id';

/**
 * `X-TTS-Signature: sha256=<hex>` where hex = HMAC-SHA256(NOTIFY_WEBHOOK_SECRET, `${timestamp}.${body}`),
 * with the Unix-seconds timestamp sent in `X-TTS-Timestamp`: receivers verify the exact body bytes and can
 * refuse stale replays.
 */
export function signNotification(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex')}`;
}
