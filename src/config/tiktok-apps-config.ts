import { isURL } from 'class-validator';
import { SANDBOX_CREDENTIALS, TIKTOK_DEFAULTS } from './app-config';
import { HTTP_URL } from './environment';
import type { SectionContext } from './section-context';
import { APP_ID_RULE, DEFAULT_APP_ID, isAppId, TiktokApp } from './tiktok-apps';

// The only code that reads the TIKTOK_APP_* variables. Two forms:
//   single app:  TIKTOK_APP_KEY, TIKTOK_APP_SECRET, TIKTOK_SERVICE_ID, TIKTOK_AUTHORIZE_URL  -> app `default`
//   several:     TIKTOK_APPS=global,us and TIKTOK_APP_GLOBAL_KEY, TIKTOK_APP_GLOBAL_SECRET, ... per app

const SINGLE_APP_VARIABLES = ['TIKTOK_APP_KEY', 'TIKTOK_APP_SECRET', 'TIKTOK_SERVICE_ID', 'TIKTOK_AUTHORIZE_URL'] as const;
const FIELDS = ['KEY', 'SECRET', 'SERVICE_ID', 'AUTHORIZE_URL'] as const;
type Field = (typeof FIELDS)[number];
const MAX_LENGTH: Record<Field, number> = { KEY: 128, SECRET: 256, SERVICE_ID: 128, AUTHORIZE_URL: 2048 };
/** A per-app variable, whatever app it names (one TIKTOK_APPS does not list is a mistake worth naming). */
const PER_APP_VARIABLE = /^TIKTOK_APP_([A-Z0-9_]+)_(KEY|SECRET|SERVICE_ID|AUTHORIZE_URL)$/;

/** `TIKTOK_APP_{ID}_{FIELD}`, the id upper-cased with `-` as `_`. */
function appVariable(id: string, field: Field): string {
  return `TIKTOK_APP_${id.toUpperCase().replace(/-/g, '_')}_${field}`;
}

/**
 * The ids TIKTOK_APPS lists, null when it is unset (the single-app form), or `invalid` (an invalid or repeated
 * id, recorded as a problem unless `problems` is left out).
 */
function listedAppIds({ env }: SectionContext, problems?: SectionContext['problems']): string[] | null | 'invalid' {
  if (env.TIKTOK_APPS === undefined) return null;
  const ids = env.TIKTOK_APPS.split(',').map((item) => item.trim());
  const bad = ids.find((id): boolean => !isAppId(id));
  if (bad !== undefined) {
    problems?.add('TIKTOK_APPS', `must be comma-separated app ids of ${APP_ID_RULE}, not ${JSON.stringify(bad.slice(0, 40))}`);
    return 'invalid';
  }
  const repeated = ids.find((id, index) => ids.indexOf(id) !== index);
  if (repeated !== undefined) {
    problems?.add('TIKTOK_APPS', `lists "${repeated}" twice`);
    return 'invalid';
  }
  return ids;
}

/** A per-app variable's trimmed value; too long or (for the URL) not an http(s) URL is a problem, and unset. */
function perAppValue(context: SectionContext, id: string, field: Field): string | undefined {
  const name = appVariable(id, field);
  const value = context.source[name]?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_LENGTH[field]) {
    context.problems.add(name, `must be shorter than or equal to ${MAX_LENGTH[field]} characters`);
    return undefined;
  }
  // The same rule as TIKTOK_AUTHORIZE_URL's, and one the consent redirect can always build on.
  if (field === 'AUTHORIZE_URL' && (!isURL(value, HTTP_URL) || !URL.canParse(value))) {
    context.problems.add(name, 'must be a URL address');
    return undefined;
  }
  return value;
}

/** Whether any app credentials are configured at all: without any, development runs the sandbox. */
export function appCredentialsGiven(context: SectionContext): boolean {
  // Its problems are recorded once, by tiktokAppsSection.
  const ids = listedAppIds(context);
  if (ids === null) return context.env.TIKTOK_APP_KEY !== undefined;
  return ids !== 'invalid' && ids.some((id) => (context.source[appVariable(id, 'KEY')]?.trim() ?? '') !== '');
}

/** Why a credential is required once the sandbox is off: the rule the operator tripped over. */
function credentialsReason({ env, nodeEnv }: SectionContext, several: boolean): string {
  if (nodeEnv === 'production') return 'is required when NODE_ENV=production';
  if (env.TIKTOK_SANDBOX === false) return 'is required when TIKTOK_SANDBOX is false';
  return several
    ? "is required when any listed app's key is set (or set TIKTOK_SANDBOX=true)"
    : 'is required when TIKTOK_APP_KEY is set (or set TIKTOK_SANDBOX=true)';
}

/** Credentials the sandbox emulator accepts for an app when none are configured: derived from its id, stable across restarts. */
function sandboxCredentials(id: string): { appKey: string; appSecret: string; serviceId: string } {
  if (id === DEFAULT_APP_ID) return { ...SANDBOX_CREDENTIALS };
  return { appKey: `sandbox-${id}-app-key`, appSecret: `sandbox-${id}-app-secret`, serviceId: `sandbox-${id}-service-id` };
}

/**
 * The configured apps, in the order listed (the first is the default). With the sandbox on, missing credentials
 * are the emulator's and every consent page is the emulator's.
 */
export function tiktokAppsSection(context: SectionContext, sandbox: boolean, publicBaseUrl: string): TiktokApp[] {
  const consentPage = (configured: string | undefined): string =>
    sandbox ? `${publicBaseUrl}/sandbox/open/authorize` : (configured ?? TIKTOK_DEFAULTS.authorizeUrl);
  const ids = listedAppIds(context, context.problems);
  // With TIKTOK_APPS itself wrong, which per-app variables are stray cannot be told: that one line says it all.
  if (ids === 'invalid') return [];
  refuseStrayVariables(context, ids);
  if (ids === null) return [singleApp(context, sandbox, consentPage)];
  refuseSingleAppVariables(context);
  const apps = ids.map((id) => listedApp(context, id, sandbox, consentPage));
  refuseSharedKeys(context, apps);
  return apps;
}

/**
 * Per-app variables of no listed app: a typo that would silently do nothing. Without TIKTOK_APPS only when
 * TIKTOK_APP_KEY is not set either (the several-apps form with TIKTOK_APPS forgotten): a single-app deployment
 * configured the old way starts as it always did, whatever else its environment holds.
 */
function refuseStrayVariables({ env, source, problems }: SectionContext, ids: string[] | null): void {
  if (ids === null && env.TIKTOK_APP_KEY !== undefined) return;
  const stray = Object.keys(source)
    .filter((name) => PER_APP_VARIABLE.test(name) && (source[name]?.trim() ?? '') !== '')
    .filter((name) => !(ids ?? []).some((id) => FIELDS.some((field) => appVariable(id, field) === name)))
    .sort();
  for (const name of stray) {
    problems.add(name, ids === null ? 'is set but TIKTOK_APPS is not (list the app ids there)' : 'names an app TIKTOK_APPS does not list');
  }
}

type ConsentPage = (configured: string | undefined) => string;
type Credentials = Partial<Record<Field, string>>;

/**
 * An app from the values given for it (`variables`: the names they come from, for the problems). Once the
 * sandbox is off each of key, secret and service id is required; with it on, what is missing is the emulator's.
 */
function appFrom(
  context: SectionContext,
  id: string,
  given: Credentials,
  variables: Record<'KEY' | 'SECRET' | 'SERVICE_ID', string>,
  sandbox: boolean,
  consentPage: ConsentPage,
): TiktokApp {
  if (!sandbox) {
    for (const field of ['KEY', 'SECRET', 'SERVICE_ID'] as const) {
      const name = variables[field];
      if (given[field] === undefined && !context.problems.has(name))
        context.problems.add(name, credentialsReason(context, context.env.TIKTOK_APPS !== undefined));
    }
  }
  const fallback = sandboxCredentials(id);
  return new TiktokApp(
    id,
    given.KEY ?? fallback.appKey,
    given.SECRET ?? fallback.appSecret,
    given.SERVICE_ID ?? fallback.serviceId,
    consentPage(given.AUTHORIZE_URL),
  );
}

/** The single-app form: app `default` from TIKTOK_APP_KEY and friends. */
function singleApp(context: SectionContext, sandbox: boolean, consentPage: ConsentPage): TiktokApp {
  const { env } = context;
  const given = {
    KEY: env.TIKTOK_APP_KEY,
    SECRET: env.TIKTOK_APP_SECRET,
    SERVICE_ID: env.TIKTOK_SERVICE_ID,
    AUTHORIZE_URL: env.TIKTOK_AUTHORIZE_URL,
  };
  const variables = { KEY: 'TIKTOK_APP_KEY', SECRET: 'TIKTOK_APP_SECRET', SERVICE_ID: 'TIKTOK_SERVICE_ID' };
  return appFrom(context, DEFAULT_APP_ID, given, variables, sandbox, consentPage);
}

/** Both forms at once: which one was meant cannot be guessed. */
function refuseSingleAppVariables({ source, problems }: SectionContext): void {
  for (const name of SINGLE_APP_VARIABLES) {
    if (source[name] !== undefined && source[name]?.trim() !== '') {
      problems.add(name, `cannot be set with TIKTOK_APPS; configure each app as ${appVariable('<id>', field(name))}`);
    }
  }
}

/** One app TIKTOK_APPS lists, from its TIKTOK_APP_{ID}_* variables. */
function listedApp(context: SectionContext, id: string, sandbox: boolean, consentPage: ConsentPage): TiktokApp {
  const given = Object.fromEntries(FIELDS.map((field) => [field, perAppValue(context, id, field)])) as Credentials;
  const variables = { KEY: appVariable(id, 'KEY'), SECRET: appVariable(id, 'SECRET'), SERVICE_ID: appVariable(id, 'SERVICE_ID') };
  return appFrom(context, id, given, variables, sandbox, consentPage);
}

/** Two ids for one Partner Center app: its authorizations and webhooks could not be told apart. */
function refuseSharedKeys({ problems }: SectionContext, apps: readonly TiktokApp[]): void {
  const keyOwners = new Map<string, string>();
  for (const app of apps) {
    const owner = keyOwners.get(app.appKey);
    if (owner !== undefined) {
      problems.add(appVariable(app.id, 'KEY'), `is the same app key as ${appVariable(owner, 'KEY')}: each app is configured once`);
    } else keyOwners.set(app.appKey, app.id);
  }
}

function field(single: (typeof SINGLE_APP_VARIABLES)[number]): Field {
  switch (single) {
    case 'TIKTOK_APP_KEY':
      return 'KEY';
    case 'TIKTOK_APP_SECRET':
      return 'SECRET';
    case 'TIKTOK_SERVICE_ID':
      return 'SERVICE_ID';
    case 'TIKTOK_AUTHORIZE_URL':
      return 'AUTHORIZE_URL';
  }
}
