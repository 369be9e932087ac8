import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { recordSecrets } from './secrets';

/**
 * Records the answers every test receives from the service through fetch, into the log folder the global
 * teardown scans for secrets. Left out: the answers whose job is to carry a secret (the token API's 200s, a
 * new API key's 201, a new connect link's 201 and the sandbox demo's redirect to one) and the TikTok emulator's
 * own routes. The connect tokens those carry are recorded as secrets: no other answer, log line or stored row
 * may hold one.
 */
const CARRIES_A_SECRET = /^\/v1\/shops\/[^/]+\/token(\/refresh)?\/?$/i; // as Express routes it: any case, a trailing slash
const EMULATOR = /^\/(sandbox|_control|api\/v2|open|authorization)(\/|$)/;
/** The token of a connect link (`{PUBLIC_BASE_URL}/connect/{token}`). */
const CONNECT_TOKEN = /\/connect\/([A-Za-z0-9_-]{16,})/gi;

function connectTokens(text: string | null | undefined): string[] {
  return [...(text ?? '').matchAll(CONNECT_TOKEN)].map((match) => match[1]);
}

/** A connect link's answer: the token it hands out is recorded as a secret, and the answer left out. */
function carriesConnectToken(pathname: string, method: string, response: Response): Promise<boolean> {
  if (method === 'POST' && /^\/v1\/connect-sessions\/?$/i.test(pathname) && response.status === 201) {
    return response
      .clone()
      .text()
      .then((body) => {
        recordSecrets(connectTokens(body));
        return true;
      });
  }
  if (/^\/auth\/connect-demo\/?$/i.test(pathname) && response.status === 302) {
    recordSecrets(connectTokens(response.headers.get('location')));
    return Promise.resolve(true);
  }
  return Promise.resolve(false);
}

const dir = process.env.TTS_TEST_LOG_DIR;
const file = dir ? path.join(dir, `${randomUUID()}.responses`) : undefined;
const pending = new Set<Promise<void>>();

function recorded(pathname: string, method: string, status: number): boolean {
  if (EMULATOR.test(pathname)) return false;
  if (status === 200 && CARRIES_A_SECRET.test(pathname)) return false;
  if (status === 201 && method === 'POST' && pathname === '/admin/api-keys') return false;
  return true;
}

if (file) {
  const original = globalThis.fetch;
  globalThis.fetch = async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    const response = await original(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    // The path only: what the test sent (an auth code in a query string) is not what the service answered.
    const { pathname } = new URL(url);
    if (recorded(pathname, method, response.status) && !(await carriesConnectToken(pathname, method, response))) {
      const headers = JSON.stringify([...response.headers]);
      const write = response
        .clone()
        .text()
        .then((body) =>
          fs.appendFileSync(
            file,
            // The request's connect token is the test's, not the answer's: only the answer is scanned.
            `${JSON.stringify({ request: `${method} ${pathname.replace(CONNECT_TOKEN, '/connect/[redacted]')}`, status: response.status, headers, body })}\n`,
          ),
        )
        .catch(() => undefined)
        .finally(() => pending.delete(write));
      pending.add(write);
    }
    return response;
  };

  afterAll(async () => {
    await Promise.all(pending);
  });
}
