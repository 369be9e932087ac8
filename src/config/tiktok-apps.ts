import { inspect } from 'node:util';

/**
 * The TikTok apps this deployment serves, and the one place that resolves an app id or an app key to its
 * credentials. Built once from the configuration (tiktok-apps-config.ts reads the variables); everything else
 * asks {@link TiktokApps}.
 */

/** An app id as TIKTOK_APPS lists it. */
export const APP_ID_PATTERN = '[a-z0-9-]{1,32}';
export const APP_ID_RULE = '1 to 32 characters of a-z, 0-9 and -';
const APP_ID = new RegExp(`^${APP_ID_PATTERN}$`);

/** The id of the one app configured the single-app way (TIKTOK_APP_KEY and friends). */
export const DEFAULT_APP_ID = 'default';

export function isAppId(value: unknown): value is string {
  return typeof value === 'string' && APP_ID.test(value);
}

/** One TikTok app (one Partner Center registration): its public id here and its credentials. */
export class TiktokApp {
  constructor(
    /** Our name for it: `default`, `us`, `global`... Shown in every view as `app`. */
    readonly id: string,
    readonly appKey: string,
    /** Never logged, stored or answered; toJSON leaves it out. */
    readonly appSecret: string,
    readonly serviceId: string,
    /** The consent page (the US Partner Center has its own host). */
    readonly authorizeUrl: string,
  ) {}

  /** What serializing an app shows (JSON: an error detail, a log field): never its secret. */
  toJSON(): { id: string } {
    return { id: this.id };
  }

  /** What util.inspect shows (Nest's console logger, console.log, a REPL): never its secret either. */
  [inspect.custom](): string {
    return `TiktokApp { id: ${JSON.stringify(this.id)} }`;
  }
}

export class TiktokApps {
  readonly all: readonly TiktokApp[];
  private readonly ids: ReadonlyMap<string, TiktokApp>;
  private readonly keys: ReadonlyMap<string, TiktokApp>;

  constructor(apps: readonly TiktokApp[]) {
    if (apps.length === 0) throw new Error('TiktokApps needs at least one app');
    this.all = apps;
    this.ids = new Map(apps.map((app) => [app.id, app]));
    this.keys = new Map(apps.map((app) => [app.appKey, app]));
  }

  /** The app a request that names none uses: the first listed (`default` in a single-app deployment). */
  get default(): TiktokApp {
    return this.all[0];
  }

  /** Whether more than one app is configured (only then can a shop id be ambiguous). */
  get several(): boolean {
    return this.all.length > 1;
  }

  byId(id: string): TiktokApp | undefined {
    return this.ids.get(id);
  }

  byKey(appKey: string): TiktokApp | undefined {
    return this.keys.get(appKey);
  }

  /**
   * The app of an authorization's stored key. Start-up refuses live authorizations of an app no longer
   * configured (StoredAppsCheck), so a missing one is a bug, thrown as such.
   */
  requireKey(appKey: string): TiktokApp {
    const app = this.keys.get(appKey);
    if (!app) throw new Error('an app key no configured app has (TIKTOK_APPS): start-up should have refused it');
    return app;
  }

  /**
   * The app of a stored app key where the column may be null (consent states, connect sessions, webhook
   * deliveries from before several apps: the default app's); undefined for a key no longer configured.
   */
  ofStored(appKey: string | null): TiktokApp | undefined {
    return appKey === null ? this.default : this.keys.get(appKey);
  }

  /**
   * The app id shown for a stored app key (null: the default app, see {@link ofStored}); the key itself for one
   * no longer configured (start-up refuses those where they matter).
   */
  idOf(appKey: string | null): string {
    return this.ofStored(appKey)?.id ?? String(appKey);
  }

  /** The app key an `app` filter means; undefined for an unknown id. */
  keyOf(id: string): string | undefined {
    return this.ids.get(id)?.appKey;
  }
}
