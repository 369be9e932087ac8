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
    private readonly onRemove: (value: T, key: string) => void = () => undefined,
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
    this.onRemove(entry.value, key);
  }

  deleteWhere(predicate: (value: T) => boolean): void {
    for (const [key, entry] of this.entries) if (predicate(entry.value)) this.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}

/**
 * An {@link ExpiringMap} of things true of a shop while the authorizations they were read from are unchanged,
 * with the reverse index an invalidation needs: `{ kind: 'authorization', id }` is all a refresh, consent,
 * revocation or tenant transfer announces, and it must empty every entry read from that authorization (also one
 * stored again under another authorization since: the message of either removes it). `authorizationsOf` names
 * an entry's authorizations: one for a token, every app's for the list of a shop id's owners.
 */
export class ShopEntryMap<T> {
  private readonly entries: ExpiringMap<T>;
  /** Authorization id to the keys stored for it: one key (the usual case, no array) or several. */
  private readonly keysByAuthorization = new Map<string, string | string[]>();

  constructor(
    maxEntries: number,
    private readonly authorizationsOf: (entry: T) => string | readonly string[],
  ) {
    this.entries = new ExpiringMap<T>(maxEntries, (entry, key) => this.unindex(entry, key));
  }

  get(key: string, now: number): T | undefined {
    return this.entries.get(key, now);
  }

  set(key: string, entry: T, now: number): void {
    this.entries.set(key, entry, now);
    const authorizations = this.authorizationsOf(entry);
    if (typeof authorizations === 'string') this.index(authorizations, key);
    else for (const id of authorizations) this.index(id, key);
  }

  forgetAuthorization(id: string): void {
    const keys = this.keysByAuthorization.get(id);
    if (keys === undefined) return;
    // Removing an entry unindexes it, which edits the array being walked: walk a copy.
    for (const key of typeof keys === 'string' ? [keys] : [...keys]) this.entries.delete(key);
    this.keysByAuthorization.delete(id);
  }

  clear(): void {
    this.entries.clear();
    this.keysByAuthorization.clear();
  }

  private index(authorizationId: string, key: string): void {
    const keys = this.keysByAuthorization.get(authorizationId);
    if (keys === undefined) this.keysByAuthorization.set(authorizationId, key);
    else if (typeof keys === 'string') this.keysByAuthorization.set(authorizationId, [keys, key]);
    else keys.push(key);
  }

  /** Called for every entry leaving the map (replaced, expired, evicted or invalidated). */
  private unindex(entry: T, key: string): void {
    const authorizations = this.authorizationsOf(entry);
    for (const id of typeof authorizations === 'string' ? [authorizations] : authorizations) {
      const keys = this.keysByAuthorization.get(id);
      if (keys === key) {
        this.keysByAuthorization.delete(id);
      } else if (Array.isArray(keys)) {
        const rest = keys.filter((stored) => stored !== key);
        if (rest.length === 0) this.keysByAuthorization.delete(id);
        else this.keysByAuthorization.set(id, rest.length === 1 ? rest[0] : rest);
      }
    }
  }
}
