import { HttpClient } from './http-client';

/**
 * The admin key of each running test app, by base URL (startTestApp records it): the emulator's test controls
 * under /sandbox/_control need it, and the helpers below take only the browser-like client.
 */
const adminKeys = new Map<string, string>();

export function rememberAdminKey(baseUrl: string, adminKey: string | undefined): void {
  if (adminKey) adminKeys.set(baseUrl, adminKey);
  else adminKeys.delete(baseUrl);
}

/**
 * A call to `/sandbox/_control/<path>` of the app `client` talks to, with that app's admin key. `body`
 * makes it a JSON POST unless `method` says otherwise.
 */
export function sandboxControl(client: HttpClient, path: string, body?: unknown, method?: string): Promise<Response> {
  const adminKey = adminKeys.get(client.baseUrl);
  if (!adminKey) throw new Error(`no admin key known for ${client.baseUrl}: start the app with startTestApp`);
  const headers: Record<string, string> = { authorization: `Bearer ${adminKey}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  return client.request(`/sandbox/_control/${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

export const UK_SELLER = 'sbx-open-uk-001';
export const US_SELLER = 'sbx-open-us-001';
export const CB_SELLER = 'sbx-open-cb-001';

/**
 * GET /auth/tiktok (`app`: ?app=, the default app when absent): returns the state TikTok would receive (the
 * browser cookie stays in `client`).
 */
export async function beginConsent(client: HttpClient, app?: string): Promise<{ state: string; location: URL }> {
  const response = await client.get(app === undefined ? '/auth/tiktok' : `/auth/tiktok?app=${encodeURIComponent(app)}`, 'text/html');
  if (response.status !== 302) throw new Error(`expected 302 from /auth/tiktok, got ${response.status}`);
  const location = new URL(response.headers.get('location') ?? '');
  return { state: location.searchParams.get('state') ?? '', location };
}

/** Asks the sandbox for an auth code as if the seller had approved (no browser); `app`: for that app (default: the first). */
export async function mintCode(client: HttpClient, openId: string, app?: string): Promise<string> {
  const response = await sandboxControl(client, 'codes', app === undefined ? { open_id: openId } : { open_id: openId, app });
  if (response.status !== 200 && response.status !== 201) throw new Error(`mint code failed: ${response.status}`);
  return ((await response.json()) as { code: string }).code;
}

export function callbackUrl(params: Record<string, string>): string {
  return `/auth/callback?${new URLSearchParams(params).toString()}`;
}

export interface CallbackJson {
  open_id: string;
  seller_name: string;
  shops: { shop_id: string; shop_name: string; region: string; cipher: string }[];
}

/** The whole consent for one seller, through the real routes, answered as JSON; `app`: through that app (default: the first). */
export async function consent(client: HttpClient, openId: string, app?: string): Promise<{ status: number; body: CallbackJson }> {
  const { state } = await beginConsent(client, app);
  const code = await mintCode(client, openId, app);
  const response = await client.get(callbackUrl({ code, state }), 'application/json');
  return { status: response.status, body: (await response.json()) as CallbackJson };
}

export interface SandboxStats {
  calls: Record<string, number>;
  issued: { access_tokens: string[]; refresh_tokens: string[]; codes: string[] };
  current: Record<string, { access_token: string; refresh_token: string }>;
  /** Every app's grants, by app id, then open_id. */
  current_by_app: Record<string, Record<string, { access_token: string; refresh_token: string }>>;
}

/** The environment of a deployment with two sandbox apps, `global` (the default: listed first) and `us`. */
export const TWO_APPS: NodeJS.ProcessEnv = { TIKTOK_APPS: 'global,us' };

export async function sandboxStats(client: HttpClient): Promise<SandboxStats> {
  return (await (await sandboxControl(client, 'stats')).json()) as SandboxStats;
}

export async function injectFault(client: HttpClient, fault: Record<string, unknown>): Promise<void> {
  const response = await sandboxControl(client, 'faults', fault);
  if (response.status >= 300) throw new Error(`inject fault failed: ${response.status} ${await response.text()}`);
}

export async function clearFaults(client: HttpClient): Promise<void> {
  await sandboxControl(client, 'faults', undefined, 'DELETE');
}
