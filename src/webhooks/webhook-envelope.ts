import type { SchemaObject } from '@nestjs/swagger';
import { AppError, ErrorCode } from '../common/errors/app-error';
import { isShopId } from '../common/ids';

/** The notification types this service acts on (facts document, section 7). */
export const SELLER_DEAUTHORIZATION = 6;
export const UPCOMING_AUTHORIZATION_EXPIRATION = 7;
const KNOWN_TYPES: ReadonlySet<number> = new Set([SELLER_DEAUTHORIZATION, UPCOMING_AUTHORIZATION_EXPIRATION]);

/**
 * The `type` label of tts_webhook_events_total: a documented type, else `other`. Any integer passes the
 * envelope, and a label per integer would let a signed sender add series without bound.
 */
export function webhookTypeLabel(type: number): string {
  return KNOWN_TYPES.has(type) ? String(type) : 'other';
}

export interface WebhookEnvelope {
  notificationId: string;
  type: number;
  /** Null when absent or not shaped like a shop id: no shop can match it. */
  shopId: string | null;
  /** When TikTok emitted it (Unix seconds): TikTok always sends it, and the stale-retry check needs it. */
  timestamp: number;
  data: Record<string, unknown>;
}

/** The envelope as TikTok documents it, for the OpenAPI document. */
export const WEBHOOK_ENVELOPE_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['type', 'tts_notification_id', 'timestamp'],
  properties: {
    type: { type: 'integer', description: '6 SELLER_DEAUTHORIZATION, 7 UPCOMING_AUTHORIZATION_EXPIRATION; others are ignored', example: 7 },
    tts_notification_id: { type: 'string', maxLength: 128, description: 'de-duplication key', example: '7327111111111111111' },
    shop_id: { type: 'string', example: '7000000000000001' },
    timestamp: { type: 'integer', minimum: 1, description: 'Unix seconds, when TikTok emitted the notification', example: 1767225600 },
    data: {
      type: 'object',
      properties: {
        message: { type: 'string' },
        expiration_time: { type: 'string', description: 'type 7: Unix seconds, as a string', example: '1767225600' },
      },
    },
  },
};

// webhook_deliveries.notification_id is varchar(128) (characters, as `u` counts them). PostgreSQL refuses NUL
// in text, so control characters would turn a delivery TikTok keeps retrying into a 500 each time.
const NOTIFICATION_ID = /^\P{Cc}{1,128}$/u;
const INT4 = { min: -2147483648, max: 2147483647 };
/** 9999-12-31T23:59:59Z: anything later is not a date TikTok means. */
const MAX_UNIX_SECONDS = 253402300799;

/**
 * Parses the envelope of a delivery whose signature has already been checked. Unreadable JSON is 400
 * `invalid_json`; an envelope without a usable `tts_notification_id`, integer `type` or integer `timestamp`
 * (Unix seconds) is 400 `invalid_request`. Everything else about the payload is judged per type, after
 * de-duplication.
 */
export function parseWebhookEnvelope(body: Buffer): WebhookEnvelope {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw new AppError(ErrorCode.InvalidJson, 'the request body is not valid JSON');
  }
  if (!isRecord(parsed)) throw new AppError(ErrorCode.InvalidRequest, 'the notification must be a JSON object');
  const { tts_notification_id: notificationId, type, shop_id: shopId, timestamp, data } = parsed;
  if (typeof notificationId !== 'string' || !NOTIFICATION_ID.test(notificationId)) {
    throw new AppError(ErrorCode.InvalidRequest, 'tts_notification_id must be a string of 1-128 printable characters');
  }
  if (typeof type !== 'number' || !Number.isInteger(type) || type < INT4.min || type > INT4.max) {
    throw new AppError(ErrorCode.InvalidRequest, 'type must be an integer');
  }
  // Without it a late retry of a deauthorization could not be told from a new one, and would undo a consent.
  if (typeof timestamp !== 'number' || !Number.isSafeInteger(timestamp) || timestamp <= 0 || timestamp > MAX_UNIX_SECONDS) {
    throw new AppError(ErrorCode.InvalidRequest, 'timestamp must be an integer of Unix seconds');
  }
  return {
    notificationId,
    type,
    // The shape the token API accepts; also keeps webhook_deliveries.shop_id within varchar(64).
    shopId: isShopId(shopId) ? shopId : null,
    timestamp,
    data: isRecord(data) ? data : {},
  };
}

/**
 * `data.expiration_time` of an UPCOMING_AUTHORIZATION_EXPIRATION notice, in Unix seconds. Documented as a
 * string of digits; a JSON integer is accepted too. Null when missing or not a plausible date.
 */
export function parseExpirationTime(data: Record<string, unknown>): number | null {
  const raw = data.expiration_time;
  let seconds: number;
  if (typeof raw === 'string' && /^\d{1,12}$/.test(raw)) seconds = Number(raw);
  else if (typeof raw === 'number' && Number.isSafeInteger(raw)) seconds = raw;
  else return null;
  return seconds > 0 && seconds <= MAX_UNIX_SECONDS ? seconds : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
