import type { FetchLike } from '../../packages/client/src/index.ts';
import { signRequest } from '../../src/tiktok/tiktok-signer';
import { query } from '../support/database';
import type { TestApp } from '../support/test-app';

export const UK_SHOP = '7000000000000001';
export const UK_OUTLET = '7000000000000002';
export const US_SHOP = '7000000000000101';
export const MY_SHOP = '7000000000000201';

export interface RecordedCall {
  method: string;
  path: string;
  status: number;
  retryAfter: string | null;
  /** When the request was sent (ms). */
  sentAt: number;
}

/**
 * A fetch for the TokenClient that goes to the real service through the global fetch (so the secret scan
 * sees the answers) and writes down every request: the client's requests can then be counted.
 */
export function recordingFetch(): { fetch: FetchLike; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const fetchFn: FetchLike = async (url, init) => {
    const sentAt = Date.now();
    const response = await globalThis.fetch(url, init);
    calls.push({
      method: init.method ?? 'GET',
      path: new URL(url).pathname,
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      sentAt,
    });
    return response;
  };
  return { fetch: fetchFn, calls };
}

/** `tts_token_requests_total{outcome="served"}` of the service: the token answers it gave. */
export async function servedTokenRequests(t: TestApp): Promise<number> {
  const text = await (await fetch(`${t.baseUrl}/metrics`)).text();
  const match = /^tts_token_requests_total\{outcome="served"\} (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

/** The service's access token for the seller expires in `seconds`, without it or its cache knowing why. */
export async function expireSoon(t: TestApp, openId: string, seconds = 60): Promise<void> {
  await query(t.db.url, 'UPDATE seller_authorizations SET access_token_expires_at = now() + make_interval(secs => $2) WHERE open_id = $1', [
    openId,
    seconds,
  ]);
}

/** Moves the last refresh out of the service's 10 s window in which a forced refresh answers that token. */
export async function forgetRecentRefreshes(t: TestApp): Promise<void> {
  await query(
    t.db.url,
    "UPDATE seller_authorizations SET last_refreshed_at = now() - interval '1 minute' WHERE last_refreshed_at IS NOT NULL",
  );
}

/** What a TikTok SDK would throw for an answer whose envelope code is not 0. */
export class TikTokApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'TikTokApiError';
  }
}

/**
 * A real Open API call to the emulator (`GET /authorization/202309/shops`, signed, with the token header).
 * `clockOffsetSeconds` is the emulator's clock offset, so the signed timestamp falls in its window.
 */
export async function tiktokAuthorizedShops(t: TestApp, accessToken: string, clockOffsetSeconds = 0): Promise<string[]> {
  const path = '/authorization/202309/shops';
  const params: Record<string, string> = {
    app_key: t.config.tiktok.apps[0].appKey,
    timestamp: String(Math.floor(Date.now() / 1000) + clockOffsetSeconds),
  };
  params.sign = signRequest(t.config.tiktok.apps[0].appSecret, { path, query: params });
  const response = await fetch(`${t.config.tiktok.apiBaseUrl}${path}?${new URLSearchParams(params).toString()}`, {
    headers: { 'x-tts-access-token': accessToken, 'content-type': 'application/json' },
  });
  const envelope = (await response.json()) as { code: number; message: string; data?: { shops?: { id: string }[] } };
  if (envelope.code !== 0) throw new TikTokApiError(envelope.code, envelope.message);
  return (envelope.data?.shops ?? []).map((shop) => shop.id);
}

export async function setSandboxConfig(t: TestApp, config: Record<string, number>): Promise<void> {
  const response = await fetch(`${t.baseUrl}/sandbox/_control/config`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` },
    body: JSON.stringify(config),
  });
  if (response.status >= 300) throw new Error(`sandbox config failed: ${response.status} ${await response.text()}`);
}
