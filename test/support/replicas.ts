import { createTestDatabase, TestDatabase } from './database';
import { HttpClient } from './http-client';
import { beginConsent, callbackUrl } from './consent';
import { sharedSecrets, startTestApp, TestApp } from './test-app';
import { startSandboxServer, SandboxServer } from '../../src/sandbox/standalone';

export const REPLICA_CREDENTIALS = { appKey: 'replica-app-key', appSecret: 'replica-app-secret', serviceId: 'replica-service' };

/** One shared TikTok emulator on its own port. */
export function startSharedSandbox(): Promise<SandboxServer> {
  return startSandboxServer({
    apps: [{ id: 'default', ...REPLICA_CREDENTIALS, redirectUrl: 'http://127.0.0.1:9/auth/callback' }],
    accessTokenTtlSeconds: 7 * 86400,
    refreshTokenTtlSeconds: 365 * 86400,
  });
}

/** Environment for a service instance that talks to a shared emulator instead of its own. */
export function replicaEnv(sandbox: SandboxServer, secrets: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...secrets,
    TIKTOK_SANDBOX: 'false',
    TIKTOK_APP_KEY: REPLICA_CREDENTIALS.appKey,
    TIKTOK_APP_SECRET: REPLICA_CREDENTIALS.appSecret,
    TIKTOK_SERVICE_ID: REPLICA_CREDENTIALS.serviceId,
    TIKTOK_AUTHORIZE_URL: `${sandbox.url}/open/authorize`,
    TIKTOK_AUTH_BASE_URL: sandbox.url,
    TIKTOK_API_BASE_URL: sandbox.url,
  };
}

export interface Cluster {
  sandbox: SandboxServer;
  db: TestDatabase;
  secrets: NodeJS.ProcessEnv;
  instances: TestApp[];
  close(): Promise<void>;
}

/**
 * N service instances on one database and one emulator, started at once (their migrations race). `perInstance`
 * adds to `env` for the i-th instance.
 */
export async function startCluster(
  count: number,
  env: NodeJS.ProcessEnv = {},
  perInstance: (index: number) => NodeJS.ProcessEnv = () => ({}),
): Promise<Cluster> {
  const sandbox = await startSharedSandbox();
  const db = await createTestDatabase();
  const secrets = sharedSecrets();
  const started = await Promise.allSettled(
    Array.from({ length: count }, (_, index) => startTestApp({ ...replicaEnv(sandbox, secrets), ...env, ...perInstance(index) }, db)),
  );
  const instances = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    // Nothing started for a cluster that is not returned may outlive the test.
    await Promise.all(instances.map((instance) => instance.close()));
    await sandbox.close();
    await db.drop();
    throw failed.reason;
  }
  return {
    sandbox,
    db,
    secrets,
    instances,
    close: async () => {
      await Promise.all(instances.map((instance) => instance.close()));
      await sandbox.close();
      await db.drop();
    },
  };
}

export async function sandboxControl<T = Record<string, unknown>>(
  sandbox: SandboxServer,
  path: string,
  body?: unknown,
  method?: string,
): Promise<T> {
  const response = await fetch(`${sandbox.url}/_control/${path}`, {
    method: method ?? (body === undefined ? 'GET' : 'POST'),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${sandbox.adminKey}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`sandbox ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** Creates `count` sellers with one shop each in the emulator; returns [open_id, shop_id] pairs. */
export async function seedSellers(sandbox: SandboxServer, count: number, prefix = 'rep'): Promise<{ openId: string; shopId: string }[]> {
  const sellers = Array.from({ length: count }, (_, i) => ({
    openId: `sbx-open-${prefix}-${i}`,
    shopId: `72${String(i).padStart(14, '0')}`,
  }));
  for (const seller of sellers) {
    await sandboxControl(sandbox, 'sellers', {
      open_id: seller.openId,
      seller_name: `Seller ${seller.openId}`,
      seller_base_region: 'GB',
      shops: [{ id: seller.shopId, name: `Shop ${seller.shopId}`, region: 'GB', seller_type: 'LOCAL' }],
    });
  }
  return sellers;
}

/** The consent of one seller through one instance (the code is minted by the emulator). */
export async function consentVia(instance: TestApp, sandbox: SandboxServer, openId: string): Promise<void> {
  const browser = new HttpClient(instance.baseUrl);
  const { state } = await beginConsent(browser);
  const { code } = await sandboxControl<{ code: string }>(sandbox, 'codes', { open_id: openId });
  const response = await browser.get(callbackUrl({ code, state }), 'application/json');
  if (response.status !== 200) throw new Error(`consent of ${openId} failed: ${response.status} ${await response.text()}`);
}

export interface EmulatorStats {
  calls: Record<string, number>;
  refreshes_by_open_id: Record<string, number>;
  refresh_attempts_by_open_id: Record<string, number>;
  issued: { access_tokens: string[]; refresh_tokens: string[]; codes: string[] };
  current: Record<string, { access_token: string; refresh_token: string; revoked: boolean; issued_at_ms: number }>;
}

export function emulatorStats(sandbox: SandboxServer): Promise<EmulatorStats> {
  return sandboxControl<EmulatorStats>(sandbox, 'stats');
}
