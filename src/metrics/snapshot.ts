/**
 * A value loaded at most once every `maxAgeMs` and shared by everyone who asks meanwhile, including
 * concurrent askers while a load runs. A failed load is not kept: the next ask tries again.
 */
export class Snapshot<T> {
  private current?: { loadedAt: number; value: T };
  private loading?: Promise<T>;

  constructor(
    private readonly load: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get(): Promise<T> {
    if (this.current && this.now() - this.current.loadedAt < this.maxAgeMs) return Promise.resolve(this.current.value);
    this.loading ??= this.load()
      .then((value) => {
        this.current = { loadedAt: this.now(), value };
        return value;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
