import { recordSecrets } from './secrets';
import { query } from './database';
import { callbackUrl, mintCode } from './consent';
import { HttpClient } from './http-client';
import type { TestApp } from './test-app';
import { KeyClient } from './tokens';

/** A tenant row, as the tenant admin routes would create it. */
export async function createTenant(t: TestApp, tenantId: string, name = `Tenant ${tenantId}`): Promise<void> {
  await query(t.db.url, `INSERT INTO tenants (tenant_id, name) VALUES ($1, $2) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId, name]);
}

/** A service key limited to `tenantIds` with `permissions`, created through `POST /admin/api-keys`. */
export async function tenantKey(
  t: TestApp,
  tenantIds: string[],
  permissions: string[] = ['connect'],
): Promise<{ key: string; id: string }> {
  const response = await new KeyClient(t.baseUrl, t.adminKey).postJson('/admin/api-keys', {
    name: `tenants ${tenantIds.join(',')}`,
    tenant_ids: tenantIds,
    permissions,
  });
  if (response.status !== 201) throw new Error(`creating a tenant key failed: ${response.status} ${await response.text()}`);
  const { key, id } = (await response.json()) as { key: string; id: string };
  recordSecrets([key]);
  return { key, id };
}

export interface CreatedSession {
  id: string;
  url: string;
  expires_at: string;
  /** The token of `url`. */
  token: string;
  /** `url`'s path, for a client of the same service. */
  path: string;
}

/** POST /v1/connect-sessions with `key` (the admin key by default): the raw answer. */
export function postSession(t: TestApp, body: unknown, key = t.adminKey): Promise<Response> {
  return new KeyClient(t.baseUrl, key).postJson('/v1/connect-sessions', body);
}

/** A new connect session; fails the test unless it is created. */
export async function createSession(t: TestApp, tenantId: string, returnUrl?: string, key = t.adminKey): Promise<CreatedSession> {
  const response = await postSession(
    t,
    returnUrl === undefined ? { tenant_id: tenantId } : { tenant_id: tenantId, return_url: returnUrl },
    key,
  );
  if (response.status !== 201) throw new Error(`creating a connect session failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as Omit<CreatedSession, 'token' | 'path'>;
  const url = new URL(body.url);
  return { ...body, path: url.pathname, token: url.pathname.split('/').pop() ?? '' };
}

/** GET /connect/{token} in `client`'s browser: the state TikTok would receive. */
export async function beginSession(client: HttpClient, session: Pick<CreatedSession, 'path'>): Promise<string> {
  const response = await client.get(session.path, 'text/html');
  if (response.status !== 302) throw new Error(`expected 302 from the connect link, got ${response.status} ${await response.text()}`);
  return new URL(response.headers.get('location') ?? '').searchParams.get('state') ?? '';
}

/** The whole consent of `openId` through the session, answered as `accept` asks (no redirect followed). */
export async function sessionConsent(
  client: HttpClient,
  session: Pick<CreatedSession, 'path'>,
  openId: string,
  accept = 'application/json',
): Promise<Response> {
  const state = await beginSession(client, session);
  const code = await mintCode(client, openId);
  return client.get(callbackUrl({ code, state }), accept);
}

/** The query of a redirect's Location, as an object (one value per name). */
export function redirectQuery(response: Response): Record<string, string> {
  const location = response.headers.get('location');
  if (location === null) throw new Error(`no Location in a ${response.status} answer`);
  return Object.fromEntries(new URL(location).searchParams);
}

/** A browser-like client of the app. */
export function browser(t: TestApp): HttpClient {
  return new HttpClient(t.baseUrl);
}
