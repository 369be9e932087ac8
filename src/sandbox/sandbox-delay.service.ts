import { Injectable, OnModuleDestroy } from '@nestjs/common';

/**
 * Every wait the sandbox makes (latency, timeout faults) goes through here, so shutting the module
 * down can release them all: no timer outlives the app and held requests get their answer.
 */
@Injectable()
export class SandboxDelayService implements OnModuleDestroy {
  private readonly pending = new Map<NodeJS.Timeout, () => void>();
  private closed = false;

  sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(timer);
        resolve();
      }, ms);
      this.pending.set(timer, resolve);
    });
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  /** Ends the current waits early (e.g. on reset) without closing the service. */
  releaseAll(): void {
    for (const [timer, resolve] of this.pending) {
      clearTimeout(timer);
      resolve();
    }
    this.pending.clear();
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.releaseAll();
  }
}
