import { describeError } from '../common/errors/describe-error';

/** One claim's answer: the ids, and the database's time of the claim (exact, as text; null when none). */
export interface ClaimedBatch {
  ids: string[];
  claimedAt: string | null;
}

/**
 * The claimed authorizations of one run, fed to the refresh slots. A batch is claimed before the queue runs
 * dry (one claim at a time), an authorization is claimed at most once per run (a token living less than
 * REFRESH_AHEAD_SECONDS stays due after its refresh), and the run ends when a claim comes back empty. A claim
 * that fails ends the run too: what is queued is still refreshed, then `error` is set.
 *
 * At most once per run without a list of the ids already seen: every claim stamps its rows with its time, and
 * the run's later claims skip rows stamped since its first claim (`runStartedAt`). Each claim costs the same
 * however many came before it; a list sent with every claim made a run of N due authorizations quadratic.
 */
export class ClaimQueue {
  private readonly queue: string[] = [];
  private runStartedAt: string | null = null;
  private claiming?: Promise<void>;
  private exhausted = false;
  claimed = 0;
  error?: Error;

  constructor(
    /** Claims a batch, skipping rows claimed at or after `runStartedAt` (null: the run's first claim). */
    private readonly claim: (runStartedAt: string | null) => Promise<ClaimedBatch>,
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
    this.claiming ??= this.claim(this.runStartedAt)
      .then(
        ({ ids, claimedAt }) => {
          if (ids.length === 0) this.exhausted = true;
          this.runStartedAt ??= claimedAt;
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
