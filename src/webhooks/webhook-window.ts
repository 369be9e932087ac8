/**
 * Which TikTok notifications are applied, by their `timestamp` (Unix seconds, when TikTok emitted them), now
 * that the housekeeping job deletes de-duplication rows after RETENTION_WEBHOOKS_DAYS: a notification older
 * than that could be a replay whose row is gone, so it is acknowledged and ignored instead of applied again.
 * TikTok itself retries for about 15 hours only.
 */

/** How far ahead of this service's clock a timestamp may be: TikTok's clock and ours differ a little. */
export const WEBHOOK_FUTURE_SECONDS = 300;

/**
 * How much longer than RETENTION_WEBHOOKS_DAYS a delivery row is kept. A notification stamped up to
 * {@link WEBHOOK_FUTURE_SECONDS} ahead stays inside the window that much longer than its row would live
 * otherwise; the rest covers clock differences between replicas and the database.
 */
export const WEBHOOK_RETENTION_MARGIN_SECONDS = 2 * WEBHOOK_FUTURE_SECONDS;

export type WebhookTimestampProblem = 'timestamp_too_old' | 'timestamp_in_future';

/** Why a notification stamped `timestamp` is outside the window at `nowMs`; null: inside it. */
export function webhookTimestampProblem(timestamp: number, nowMs: number, retentionDays: number): WebhookTimestampProblem | null {
  const now = nowMs / 1000;
  if (timestamp < now - retentionDays * 86400) return 'timestamp_too_old';
  if (timestamp > now + WEBHOOK_FUTURE_SECONDS) return 'timestamp_in_future';
  return null;
}

/** Delivery rows received before this may be deleted: no notification they de-duplicate can be applied any more. */
export function webhookRetentionCutoff(nowMs: number, retentionDays: number): Date {
  return new Date(nowMs - (retentionDays * 86400 + WEBHOOK_RETENTION_MARGIN_SECONDS) * 1000);
}
