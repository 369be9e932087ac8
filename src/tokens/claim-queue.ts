import { describeError } from '../common/errors/describe-error';

/** One claim's answer: the ids, and where the run's next claim goes on from (null when nothing was claimed). */
export interface ClaimedBatch<Cursor> {
  ids: string[];
  cursor: Cursor | null;
}

/**
 * The claimed authorizations of one run, fed to the refresh slots. A batch is claimed before the queue runs
 * dry (one claim at a time), an authorization is claimed at most once per run (a token living less than
 * REFRESH_AHEAD_SECONDS stays due after its refresh), and the run ends when a claim comes back empty. A claim
 * that fails ends the run too: what is queued is still refreshed, then `error` is set.
 *
 * Each claim gets the cursor the last one returned (AuthorizationRefreshRepository.claimDue: when the run
 * began, and how far in expiry order it got), never a list of the ids seen so far: every claim then costs the
 * same however many came before it, where a list sent with each claim made a run of N due authorizations
 * quadratic.
 */
export class ClaimQueue<Cursor> {
  private readonly queue: string[] = [];
  private cursor: Cursor | null = null;
  private claiming?: Promise<void>;
  private exhausted = false;
  claimed = 0;
  error?: Error;

  constructor(
    /** Claims the next batch after `cursor` (null: the run's first claim). */
    private readonly claim: (cursor: Cursor | null) => Promise<ClaimedBatch<Cursor>>,
    /** Claim the next batch when no more than this many are left. */
    private readonly lowWater: number,
  ) {}

  /** The next authorization to refresh, or undefined when the run is over (or `stopping()`). */
  async next(stopping: () => boolean): Promise<string | undefined> {
    while (!stopping()) {
      if (this.queue.length <= this.lowWater) void this.refill();
      const id = this.queue.shift();
      if (id !== undefined) return id;
      if (this.exhausted) return undefined;
      await this.refill();
    }
    return undefined;
  }

  /** What was claimed but not handed out, once no claim is in flight any more. */
  async drain(): Promise<string[]> {
    await this.claiming;
    return this.queue.splice(0);
  }

  private refill(): Promise<void> {
    if (this.exhausted) return Promise.resolve();
    this.claiming ??= this.claim(this.cursor)
      .then(
        ({ ids, cursor }) => {
          if (ids.length === 0) this.exhausted = true;
          else this.cursor = cursor;
          this.queue.push(...ids);
          this.claimed += ids.length;
        },
        (error: unknown) => {
          this.error = error instanceof Error ? error : new Error(describeError(error));
          this.exhausted = true;
        },
      )
      .finally(() => {
        this.claiming = undefined;
      });
    return this.claiming;
  }
}
