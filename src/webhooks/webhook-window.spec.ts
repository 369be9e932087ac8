import { WEBHOOK_FUTURE_SECONDS, webhookRetentionCutoff, webhookTimestampProblem } from './webhook-window';

describe('webhook timestamp window', () => {
  const now = Date.UTC(2026, 11, 3, 12, 0, 0);
  const nowSeconds = now / 1000;
  const days = 30;

  it('applies a notification from the last RETENTION_WEBHOOKS_DAYS up to 5 minutes ahead, nothing outside', () => {
    expect(webhookTimestampProblem(nowSeconds, now, days)).toBeNull();
    expect(webhookTimestampProblem(nowSeconds - days * 86400, now, days)).toBeNull();
    expect(webhookTimestampProblem(nowSeconds - days * 86400 - 1, now, days)).toBe('timestamp_too_old');
    expect(webhookTimestampProblem(nowSeconds + WEBHOOK_FUTURE_SECONDS, now, days)).toBeNull();
    expect(webhookTimestampProblem(nowSeconds + WEBHOOK_FUTURE_SECONDS + 1, now, days)).toBe('timestamp_in_future');
    expect(webhookTimestampProblem(1, now, days)).toBe('timestamp_too_old');
  });

  it('keeps a delivery row until no notification it de-duplicates can pass the window', () => {
    // The latest timestamp a delivery received at `received` can carry, and the last moment it is applied.
    const received = now - 86400_000;
    const latestTimestamp = received / 1000 + WEBHOOK_FUTURE_SECONDS;
    const lastApplied = (latestTimestamp + days * 86400) * 1000;
    expect(webhookTimestampProblem(latestTimestamp, lastApplied, days)).toBeNull();
    // At that moment the row is not yet deletable, nor a little later (clocks that differ by minutes).
    expect(webhookRetentionCutoff(lastApplied, days).getTime()).toBeLessThan(received);
    expect(webhookRetentionCutoff(lastApplied + 4 * 60_000, days).getTime()).toBeLessThan(received);
  });
});
