import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Records the answers every test receives from the service through fetch, into the log folder the global
 * teardown scans for secrets. Left out: the answers whose job is to carry a secret (the token API's 200s, a
 * new API key's 201) and the TikTok emulator's own routes.
 */
const CARRIES_A_SECRET = /^\/v1\/shops\/[^/]+\/token(\/refresh)?\/?$/i; // as Express routes it: any case, a trailing slash
const EMULATOR = /^\/(sandbox|_control|api\/v2|open|authorization)(\/|$)/;

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
    if (recorded(pathname, method, response.status)) {
      const headers = JSON.stringify([...response.headers]);
      const write = response
        .clone()
        .text()
        .then((body) =>
          fs.appendFileSync(file, `${JSON.stringify({ request: `${method} ${pathname}`, status: response.status, headers, body })}\n`),
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
