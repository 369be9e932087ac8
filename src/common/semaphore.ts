/** Raised when a permit could not be had in time. */
export class SemaphoreTimeoutError extends Error {
  constructor() {
    super('no free slot in time');
    this.name = 'SemaphoreTimeoutError';
  }
}

/** A counting semaphore with FIFO waiters and an optional wait limit. */
export class Semaphore {
  private available: number;
  private readonly waiters: { grant: () => void; timer?: NodeJS.Timeout }[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error('semaphore size must be a positive integer');
    this.available = size;
  }

  /** Resolves with a release function; rejects with SemaphoreTimeoutError after `timeoutMs`. */
  acquire(timeoutMs?: number): Promise<() => void> {
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: { grant: () => void; timer?: NodeJS.Timeout } = { grant: () => resolve(this.releaser()) };
      if (timeoutMs !== undefined) {
        waiter.timer = setTimeout(() => {
          const index = this.waiters.indexOf(waiter);
          if (index >= 0) this.waiters.splice(index, 1);
          reject(new SemaphoreTimeoutError());
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      if (next) {
        clearTimeout(next.timer);
        next.grant();
      } else {
        this.available += 1;
      }
    };
  }
}
