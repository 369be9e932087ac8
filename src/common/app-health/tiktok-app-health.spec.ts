import type { AppConfig } from '../../config/app-config';
import { TiktokApp } from '../../config/tiktok-apps';
import { TiktokAppHealth } from './tiktok-app-health';

const GLOBAL = new TiktokApp('global', 'global-key', 'global-secret', 'global-service', 'https://example.test/authorize');
const US = new TiktokApp('us', 'us-key', 'us-secret', 'us-service', 'https://example.test/authorize');

describe('TiktokAppHealth', () => {
  let now: number;
  let health: TiktokAppHealth;
  const at = (ms: number) => new Date(ms).toISOString();

  beforeEach(() => {
    now = Date.UTC(2026, 11, 4, 12, 0, 0);
    const config = {
      tiktok: { apps: [GLOBAL, US], timeoutMs: 1000 },
      refresh: { backoffBaseSeconds: 30, backoffMaxSeconds: 100 },
    } as unknown as AppConfig;
    health = new TiktokAppHealth(config, () => now);
  });

  it('pauses only the refused app, for a backoff doubling to the maximum, one probe at a time', () => {
    const start = now;
    health.rejected(US, 36009004);
    expect(health.pausedAppKeys()).toEqual(['us-key']);
    expect(health.admit('global-key')).toBeUndefined();
    const wait = health.admit('us-key') as number;
    // The upper half of the first ceiling (30 s).
    expect(wait).toBeGreaterThanOrEqual(15);
    expect(wait).toBeLessThanOrEqual(30);
    expect(health.view()).toEqual({
      global: { status: 'ok' },
      us: {
        status: 'failing',
        reason: 'app_credentials_rejected',
        since: at(start),
        last_error_code: 36009004,
        failures: 1,
        retry_at: expect.any(String),
      },
    });

    // Calls already under way answer while the pause is on: still one failure.
    health.rejected(US, 106001);
    expect(health.view().us).toMatchObject({ failures: 1, last_error_code: 106001 });

    // The backoff is over: one caller probes, the others wait for its lease (2 x the TikTok timeout, at least 5 s).
    now += wait * 1000;
    expect(health.pausedAppKeys()).toEqual([]);
    expect(health.admit('us-key')).toBeUndefined();
    expect(health.admit('us-key')).toBe(5);
    expect(health.pausedAppKeys()).toEqual(['us-key']);

    // The probe is refused too: the ceiling doubles (60 s), then stops at the maximum (100 s).
    health.rejected(US, 36009004);
    const second = health.admit('us-key') as number;
    expect(second).toBeGreaterThanOrEqual(30);
    expect(second).toBeLessThanOrEqual(60);
    for (let failures = 3; failures <= 6; failures += 1) {
      now += 200 * 1000;
      expect(health.admit('us-key')).toBeUndefined();
      health.rejected(US, 36009004);
    }
    expect(health.admit('us-key')).toBeLessThanOrEqual(100);
    expect(health.view().us).toMatchObject({ failures: 6, since: at(start) });

    // Accepted once: over, and the next streak starts from the beginning.
    health.accepted(US);
    expect(health.view()).toEqual({ global: { status: 'ok' }, us: { status: 'ok' } });
    expect(health.admit('us-key')).toBeUndefined();
    expect(health.pausedAppKeys()).toEqual([]);
    health.rejected(US, 106001);
    expect(health.view().us).toMatchObject({ failures: 1, since: at(now) });
  });

  it('lets the next caller probe when a probe never reports (its lease lapses)', () => {
    health.rejected(GLOBAL, 106001);
    now += 31 * 1000;
    expect(health.admit('global-key')).toBeUndefined();
    now += 4000;
    expect(health.admit('global-key')).toBe(1);
    now += 1000;
    expect(health.admit('global-key')).toBeUndefined();
    expect(health.isFailing('global-key')).toBe(true);
    expect(health.isFailing('us-key')).toBe(false);
  });
});
