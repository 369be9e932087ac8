import type { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { describeError } from './errors/describe-error';

/**
 * A job one instance runs on a cron schedule, never overlapping itself: a tick (or a `runOnce` call) while a
 * run is in progress is answered with `skipped`. `stop` ends the schedule, marks the job stopping (a run checks
 * `stopping` between steps) and waits for the run in progress.
 */
export class CronRun<T> {
  private current?: Promise<T>;
  private stopped = false;

  constructor(
    private readonly registry: SchedulerRegistry,
    private readonly name: string,
    private readonly logger: Logger,
    private readonly run: () => Promise<T>,
    private readonly skipped: () => T,
  ) {}

  get stopping(): boolean {
    return this.stopped;
  }

  /** Schedules `tick` (the owner's own runOnce, which calls this one's) on `cronTime`. */
  start(cronTime: string, tick: () => Promise<unknown>): void {
    const job = CronJob.from({
      cronTime,
      onTick: () => {
        tick().catch((error: unknown) => this.logger.error(`${this.name} run failed: ${describeError(error)}`));
      },
      start: true,
    });
    this.registry.addCronJob(this.name, job);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.registry.doesExist('cron', this.name)) {
      await this.registry.getCronJob(this.name).stop();
      this.registry.deleteCronJob(this.name);
    }
    await this.current?.catch(() => undefined);
  }

  runOnce(): Promise<T> {
    if (this.current) return Promise.resolve(this.skipped());
    this.current = this.run().finally(() => {
      this.current = undefined;
    });
    return this.current;
  }
}
