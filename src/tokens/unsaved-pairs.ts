import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TokenCipher } from '../common/crypto/token-cipher';
import { describeError } from '../common/errors/describe-error';
import { AuthorizationRefreshRepository, RefreshedEvent, RefreshedPair } from '../shops/authorization-refresh.repository';
import { sealTokens } from '../shops/token-binding';
import type { TokenGrant } from '../tiktok/tiktok.types';
import type { RefreshOutcome, RefreshRequest } from './refresh.types';

/** How long a rotated pair whose write failed is retried: a database restart or failover. */
const PERSIST_RETRY_MS = 10 * 60 * 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A refreshed pair encrypted for its row, with the `refreshed` event's detail. */
export function refreshedPair(cipher: TokenCipher, authorizationId: string, grant: TokenGrant): RefreshedPair {
  return {
    ...sealTokens(cipher, authorizationId, grant),
    accessTokenExpiresAt: grant.accessTokenExpiresAt,
    refreshTokenExpiresAt: grant.refreshTokenExpiresAt,
    issuedAt: grant.receivedAt,
    grantedScopes: grant.grantedScopes,
  };
}

/**
 * Rotated pairs whose first write failed. TikTok rotated the pair and the transaction that stored it died
 * (connection lost, failover, restart): the pair exists nowhere else, and the refresh token it replaces is dead.
 * It is written again on a fresh connection, a few times at once; if the database is still away, the caller
 * gets the new token anyway (it is valid) and the write goes on in the background, with backoff, for up to
 * PERSIST_RETRY_MS. Meanwhile the authorization must not be refreshed again (see {@link pending}).
 */
@Injectable()
export class UnsavedPairs implements OnModuleDestroy {
  private readonly logger = new Logger(UnsavedPairs.name);
  private readonly unsaved = new Map<string, { grant: TokenGrant; done: Promise<void> }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly refreshes: AuthorizationRefreshRepository,
    private readonly cipher: TokenCipher,
  ) {}

  /** A rotated pair still being written gets a last chance before the process goes. */
  async onModuleDestroy(): Promise<void> {
    await this.flush(10000);
  }

  /**
   * What a refresh of an authorization whose newest pair is not stored yet answers (its stored refresh token
   * is dead): that pair's access token while it is good enough, else "retry soon". Undefined: nothing pending.
   */
  pending(request: RefreshRequest): RefreshOutcome | undefined {
    const unsaved = this.unsaved.get(request.authorizationId);
    if (!unsaved) return undefined;
    const { grant } = unsaved;
    if (!request.force && grant.accessTokenExpiresAt >= (request.neededUntil ?? new Date())) {
      return { kind: 'token', refreshed: false, accessToken: grant.accessToken, accessTokenExpiresAt: grant.accessTokenExpiresAt };
    }
    return { kind: 'unavailable', retryAfterSeconds: 5, reason: 'unsaved_pair' };
  }

  /** Stores `grant` (which replaced the pair issued at `replaced`) after its transaction failed with `cause`. */
  async persist(request: RefreshRequest, grant: TokenGrant, replaced: string | null, cause: unknown): Promise<RefreshOutcome> {
    const id = request.authorizationId;
    const token: RefreshOutcome = {
      kind: 'token',
      refreshed: true,
      accessToken: grant.accessToken,
      accessTokenExpiresAt: grant.accessTokenExpiresAt,
    };
    const started = Date.now();
    const write = (attempt: number): Promise<boolean> =>
      this.write(
        id,
        grant,
        replaced,
        { openId: null, detail: { trigger: request.trigger, recovered_after: describeError(cause), attempts: attempt } },
        cause,
        attempt,
      );
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      if (await write(attempt)) return token;
      await sleep(200 * attempt);
    }
    const done = (async () => {
      for (let attempt = 4; ; attempt += 1) {
        await sleep(Math.min(5000, 250 * 2 ** (attempt - 3)));
        if (await write(attempt)) return;
        if (Date.now() - started > PERSIST_RETRY_MS) {
          this.logger.error(
            `authorization ${id}: the refreshed pair could not be stored within ${PERSIST_RETRY_MS / 1000} s and is lost; the seller must consent again`,
          );
          return;
        }
      }
    })().finally(() => this.unsaved.delete(id));
    this.unsaved.set(id, { grant, done });
    return token;
  }

  /** Waits (up to `ms`) for the pairs still being written in the background: before shutting down. */
  async flush(ms: number): Promise<void> {
    if (this.unsaved.size === 0) return;
    const ids = [...this.unsaved.keys()];
    await Promise.race([Promise.all([...this.unsaved.values()].map((entry) => entry.done)), sleep(ms)]);
    for (const id of ids.filter((pending) => this.unsaved.has(pending))) {
      this.logger.error(
        `authorization ${id}: shutting down with its refreshed pair still unstored; it is lost and the seller must consent again`,
      );
    }
  }

  /** One attempt; true when nothing is left to do (written, or a newer pair is already there). */
  private async write(
    id: string,
    grant: TokenGrant,
    replaced: string | null,
    event: RefreshedEvent,
    cause: unknown,
    attempt: number,
  ): Promise<boolean> {
    try {
      const pair = refreshedPair(this.cipher, id, grant);
      const written = await this.dataSource.transaction((manager) => this.refreshes.storeRefreshedPair(manager, id, pair, replaced, event));
      if (!written) this.logger.error(`authorization ${id}: refreshed pair not stored, a newer pair is already there`);
      else
        this.logger.warn(
          `authorization ${id}: refreshed pair stored after the first transaction failed (${describeError(cause)}; attempt ${attempt})`,
        );
      return true;
    } catch (error) {
      if (attempt === 1 || attempt % 10 === 0) {
        this.logger.error(`authorization ${id}: storing the refreshed pair failed (attempt ${attempt}), retrying: ${describeError(error)}`);
      }
      return false;
    }
  }
}
