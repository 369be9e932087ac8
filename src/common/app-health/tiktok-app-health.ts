import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import type { TiktokApp } from '../../config/tiktok-apps';
import { backoffSeconds } from '../backoff';

/** Why an app is failing: TikTok refuses the app's own credentials (key, secret or signature), not a seller's grant. */
export const APP_CREDENTIALS_REJECTED = 'app_credentials_rejected';

/** An app as `/health/ready` shows it. */
export type TiktokAppHealthView =
  | { status: 'ok' }
  | {
      status: 'failing';
      reason: typeof APP_CREDENTIALS_REJECTED;
      /** The first refusal of this streak. */
      since: string;
      last_error_code: number | null;
      /** Refusals in a row (answers to calls made while already paused not counted). */
      failures: number;
      /** No scheduled refresh calls TikTok for this app before then. */
      retry_at: string;
    };

interface Failing {
  since: number;
  failures: number;
  lastErrorCode: number | null;
  /** The end of the app's backoff. */
  retryAt: number;
  /** The lease of the one call let through once the backoff ended (0: none). */
  probeUntil: number;
}

/**
 * What TikTok currently makes of each app's credentials. When it refuses them (a secret reset in Partner Center
 * and not yet here), every call for that app would fail alike: refreshes of that app pause for a backoff that
 * doubles from REFRESH_BACKOFF_BASE_SECONDS to REFRESH_BACKOFF_MAX_SECONDS, then ONE call probes (the others
 * keep waiting), and the app's next accepted call ends the pause. Other apps are not affected.
 *
 * In memory, per replica, on purpose: it is a fact about TikTok's answers right now, which any replica relearns
 * with one refused call, so sharing it would save each other replica one refused call per backoff period at the
 * cost of a table and a migration. A restart (how a corrected secret gets deployed) starts clean, which is right.
 * TiktokClient feeds it from every call of every path (consent, refresh, shops, deauthorize); the refresher and
 * the scheduler read it.
 */
@Injectable()
export class TiktokAppHealth {
  private readonly logger = new Logger(TiktokAppHealth.name);
  private readonly failing = new Map<string, Failing>();
  private readonly apps: readonly TiktokApp[];
  private readonly probeLeaseMs: number;

  constructor(
    private readonly config: AppConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.apps = config.tiktok.apps;
    // Long enough for the probe's TikTok call to answer; a probe that never reports (its row could not be read)
    // simply lapses.
    this.probeLeaseMs = Math.max(5000, 2 * config.tiktok.timeoutMs);
  }

  /** TikTok refused the app's credentials (`code`: its envelope code). */
  rejected(app: TiktokApp, code: number | undefined): void {
    const now = this.now();
    const state = this.failing.get(app.appKey);
    if (state && now < state.retryAt) {
      // Answers to calls already under way when the pause began: one outage, not several.
      state.lastErrorCode = code ?? state.lastErrorCode;
      return;
    }
    const failures = (state?.failures ?? 0) + 1;
    const { backoffBaseSeconds, backoffMaxSeconds } = this.config.refresh;
    const delaySeconds = backoffSeconds(failures, backoffBaseSeconds, backoffMaxSeconds);
    this.failing.set(app.appKey, {
      since: state?.since ?? now,
      failures,
      lastErrorCode: code ?? null,
      retryAt: now + delaySeconds * 1000,
      probeUntil: 0,
    });
    if (!state) {
      this.logger.error(
        `TikTok refuses the credentials of app ${app.id} (code ${code ?? 'none'}): its refreshes pause, no seller is asked to consent again; check the app's key and secret against Partner Center`,
      );
    }
  }

  /** TikTok accepted a call made with the app's credentials: whatever paused the app is over. */
  accepted(app: TiktokApp): void {
    if (this.failing.delete(app.appKey)) this.logger.log(`TikTok accepts the credentials of app ${app.id} again: its refreshes resume`);
  }

  /**
   * Whether a call for the app may go to TikTok now: undefined if so, else the seconds to wait. Once the backoff
   * is over the first caller is let through as the probe and the others wait for its answer (or its lease).
   */
  admit(appKey: string): number | undefined {
    const state = this.failing.get(appKey);
    if (!state) return undefined;
    const now = this.now();
    const until = Math.max(state.retryAt, state.probeUntil);
    if (now < until) return Math.max(1, Math.ceil((until - now) / 1000));
    state.probeUntil = now + this.probeLeaseMs;
    return undefined;
  }

  /** The app keys whose calls are paused right now: the scheduler does not claim their authorizations. */
  pausedAppKeys(): string[] {
    const now = this.now();
    return [...this.failing].filter(([, state]) => now < Math.max(state.retryAt, state.probeUntil)).map(([appKey]) => appKey);
  }

  isFailing(appKey: string): boolean {
    return this.failing.has(appKey);
  }

  /** Every configured app, by id. */
  view(): Record<string, TiktokAppHealthView> {
    return Object.fromEntries(this.apps.map((app) => [app.id, this.viewOf(app)]));
  }

  private viewOf(app: TiktokApp): TiktokAppHealthView {
    const state = this.failing.get(app.appKey);
    if (!state) return { status: 'ok' };
    return {
      status: 'failing',
      reason: APP_CREDENTIALS_REJECTED,
      since: new Date(state.since).toISOString(),
      last_error_code: state.lastErrorCode,
      failures: state.failures,
      retry_at: new Date(Math.max(state.retryAt, state.probeUntil)).toISOString(),
    };
  }
}
