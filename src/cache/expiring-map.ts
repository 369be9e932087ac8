/** Entries live at most this long even without a notification: a safety net, not the mechanism. */
export const MAX_AGE_MS = 60_000;

/**
 * A map iterated in storage order (storing a key again moves it to the end), so its first entry is always the
 * oldest: each store drops the expired entries from the front, and the oldest ones beyond `maxEntries`.
 * Memory follows the keys used within MAX_AGE_MS instead of every key ever used, and never exceeds the cap.
 */
export class ExpiringMap<T> {
  private readonly entries = new Map<string, { value: T; storedAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly onRemove: (value: T) => void = () => undefined,
  ) {}

  get(key: string, now: number): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.storedAt > MAX_AGE_MS) {
      this.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T, now: number): void {
    this.delete(key);
    this.entries.set(key, { value, storedAt: now });
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && now - entry.storedAt <= MAX_AGE_MS) break;
      this.delete(oldest);
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.onRemove(entry.value);
  }

  deleteWhere(predicate: (value: T) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/** What a per-shop cache holds: something about one shop, true of it while its authorization is unchanged. */
export interface ShopEntry {
  shopId: string;
  authorizationId: string;
}

/**
 * An {@link ExpiringMap} by shop id, with the reverse index an invalidation needs: `{ kind: 'authorization', id }`
 * is all a refresh, consent, revocation or tenant transfer announces, and it must empty every shop of that
 * authorization (also one that moved to another authorization since it was stored: the message of either
 * authorization removes it).
 */
export class ShopEntryMap<T extends ShopEntry> {
  private readonly entries: ExpiringMap<T>;
  /** Authorization id to the shops stored for it: one shop id (the usual case, no array) or several. */
  private readonly shopsByAuthorization = new Map<string, string | string[]>();

  constructor(maxEntries: number) {
    this.entries = new ExpiringMap<T>(maxEntries, (entry) => this.unindex(entry));
  }

  get(shopId: string, now: number): T | undefined {
    return this.entries.get(shopId, now);
  }

  set(entry: T, now: number): void {
    this.entries.set(entry.shopId, entry, now);
    const shops = this.shopsByAuthorization.get(entry.authorizationId);
    if (shops === undefined) this.shopsByAuthorization.set(entry.authorizationId, entry.shopId);
    else if (typeof shops === 'string') this.shopsByAuthorization.set(entry.authorizationId, [shops, entry.shopId]);
    else shops.push(entry.shopId);
  }

  forgetAuthorization(id: string): void {
    const shops = this.shopsByAuthorization.get(id);
    if (shops === undefined) return;
    // Removing an entry unindexes it, which edits the array being walked: walk a copy.
    for (const shopId of typeof shops === 'string' ? [shops] : [...shops]) this.entries.delete(shopId);
    this.shopsByAuthorization.delete(id);
  }

  clear(): void {
    this.entries.clear();
    this.shopsByAuthorization.clear();
  }

  /** Called for every entry leaving the map (replaced, expired, evicted or invalidated). */
  private unindex(entry: T): void {
    const shops = this.shopsByAuthorization.get(entry.authorizationId);
    if (shops === entry.shopId) {
      this.shopsByAuthorization.delete(entry.authorizationId);
    } else if (Array.isArray(shops)) {
      const rest = shops.filter((shopId) => shopId !== entry.shopId);
      if (rest.length === 1) this.shopsByAuthorization.set(entry.authorizationId, rest[0]);
      else this.shopsByAuthorization.set(entry.authorizationId, rest);
    }
  }
}
