/** The caller stopped waiting; the work itself goes on. */
export class DeadlineExceededError extends Error {
  constructor(readonly ms: number) {
    super(`not finished within ${ms} ms`);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * Settles like `work`, or rejects with {@link DeadlineExceededError} once `ms` have passed. Late work is not
 * cancelled (a transaction cannot be abandoned half-way); a late failure goes to `onLateFailure` instead of
 * becoming an unhandled rejection.
 */
export async function withinDeadline<T>(work: Promise<T>, ms: number, onLateFailure: (error: unknown) => void): Promise<T> {
  let late = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      late = true;
      reject(new DeadlineExceededError(ms));
    }, ms);
  });
  void work.catch((error: unknown) => {
    if (late) onLateFailure(error);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
