import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { OAuthStatesRepository } from './oauth-states.repository';

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** 256-bit random, URL-safe. Used for states and for the browser binding cookie. */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * CSRF states for the consent flow: random, stored only as digests, bound to the browser that started the
 * flow, valid for a limited time and consumed at most once, atomically, even by concurrent callbacks.
 */
@Injectable()
export class OAuthStateService {
  constructor(
    private readonly states: OAuthStatesRepository,
    private readonly config: AppConfig,
  ) {}

  /**
   * `connectSessionId`: the connect session the consent runs for (null: an anonymous consent); `appKey`: the app
   * whose consent page the state goes to (the callback exchanges the code with its credentials).
   */
  async create(browserId: string, connectSessionId: string | null, appKey: string): Promise<string> {
    const state = randomToken();
    // Dead states are deleted by the housekeeping job, not here: a consent start costs one statement.
    await this.states.insert(
      { stateHash: sha256Hex(state), browserHash: sha256Hex(browserId), connectSessionId, appKey },
      this.config.auth.stateTtlSeconds,
    );
    return state;
  }

  /**
   * Marks the state used and, when it was valid for this browser, returns what it was bound to (the connect
   * session, null for an anonymous consent, and the app, null for a state issued before several apps: the
   * default one); null otherwise. A state presented by the wrong browser is burnt too: whoever leaked it cannot
   * try again.
   */
  async consume(state: string, browserId: string | undefined): Promise<{ connectSessionId: string | null; appKey: string | null } | null> {
    const matched = await this.states.consume(sha256Hex(state));
    if (!matched || !browserId) return null;
    const sameBrowser = timingSafeEqual(Buffer.from(matched.browserHash, 'utf8'), Buffer.from(sha256Hex(browserId), 'utf8'));
    return sameBrowser ? { connectSessionId: matched.connectSessionId, appKey: matched.appKey } : null;
  }
}
