import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';

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
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async create(browserId: string): Promise<string> {
    const state = randomToken();
    await this.dataSource.query(
      `INSERT INTO oauth_states (state_hash, browser_hash, expires_at)
       VALUES ($1, $2, now() + make_interval(secs => $3))`,
      [sha256Hex(state), sha256Hex(browserId), this.config.auth.stateTtlSeconds],
    );
    // Opportunistic clean-up of long-dead states; the index on expires_at keeps it cheap.
    await this.dataSource.query(`DELETE FROM oauth_states WHERE expires_at < now() - interval '1 day'`);
    return state;
  }

  /**
   * Marks the state used and reports whether it was valid for this browser. A single UPDATE decides, so of
   * two concurrent callbacks with one state exactly one wins. A state presented by the wrong browser is
   * burnt too: whoever leaked it cannot try again.
   */
  async consume(state: string, browserId: string | undefined): Promise<boolean> {
    const rows = await this.dataSource.query<[{ browser_hash: string }[], number]>(
      `UPDATE oauth_states SET consumed_at = now()
       WHERE state_hash = $1 AND consumed_at IS NULL AND expires_at > now()
       RETURNING browser_hash`,
      [sha256Hex(state)],
    );
    const [matched] = rows[0];
    if (!matched || !browserId) return false;
    return timingSafeEqual(Buffer.from(matched.browser_hash, 'utf8'), Buffer.from(sha256Hex(browserId), 'utf8'));
  }
}
