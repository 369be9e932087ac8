import { createHmac } from 'node:crypto';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import type { TestApp } from '../support/test-app';

export const UK_SHOP = '7000000000000001';
export const UK_OUTLET = '7000000000000002';
export const US_SHOP = '7000000000000101';
export const UNKNOWN_SHOP = '7999999999999999';

/** Every delivery here comes from one loopback address; the per-address limit has its own test (test/operability). */
export const WEBHOOK_TEST_ENV: NodeJS.ProcessEnv = { RATE_LIMIT_PER_MINUTE: '100000' };

/** A bad or missing webhook signature answers 401 with this code. */
export const INVALID_SIGNATURE = 'invalid_signature';

export interface Notification {
  type: unknown;
  tts_notification_id: unknown;
  shop_id?: unknown;
  timestamp: number;
  data: Record<string, unknown>;
}

let sequence = 0;

/** A TikTok-shaped envelope with a fresh notification id. */
export function notification(type: number, shopId?: string, data: Record<string, unknown> = { message: 'test' }): Notification {
  sequence += 1;
  return {
    type,
    tts_notification_id: `7327${Date.now()}${String(sequence).padStart(4, '0')}`,
    ...(shopId === undefined ? {} : { shop_id: shopId }),
    timestamp: Math.floor(Date.now() / 1000),
    data,
  };
}

/**
 * The documented algorithm, written out here rather than taken from the service: lowercase hex
 * HMAC-SHA256 keyed with the app secret over the app key followed by the raw body bytes.
 */
export function sign(appKey: string, appSecret: string, body: Buffer): string {
  return createHmac('sha256', appSecret)
    .update(Buffer.concat([Buffer.from(appKey, 'utf8'), body]))
    .digest('hex');
}

export interface SendOptions {
  /** The Authorization header as sent; default: the correct signature. Null: no header at all. */
  signature?: string | null;
  contentType?: string | null;
}

/**
 * Delivers notifications the way TikTok does, signed with the app's credentials: to POST /webhooks/tiktok for
 * the default app (the first configured), or to POST /webhooks/tiktok/{app} for the app `appId` names.
 */
export class WebhookSender {
  private readonly http: HttpClient;
  readonly path: string;
  private readonly credentials: { appKey: string; appSecret: string };

  constructor(t: TestApp, appId?: string) {
    this.http = new HttpClient(t.baseUrl);
    this.path = appId === undefined ? '/webhooks/tiktok' : `/webhooks/tiktok/${appId}`;
    const app = appId === undefined ? t.config.tiktok.apps[0] : t.config.tiktok.apps.find((candidate) => candidate.id === appId);
    if (!app) throw new Error(`no app ${appId} is configured in this test app`);
    this.credentials = app;
  }

  bytes(body: Notification | Buffer | string): Buffer {
    if (Buffer.isBuffer(body)) return body;
    return Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  }

  signatureOf(body: Notification | Buffer | string): string {
    return sign(this.credentials.appKey, this.credentials.appSecret, this.bytes(body));
  }

  send(body: Notification | Buffer | string, options: SendOptions = {}): Promise<Response> {
    const bytes = this.bytes(body);
    const headers = new Headers();
    const signature = options.signature === undefined ? this.signatureOf(bytes) : options.signature;
    if (signature !== null) headers.set('authorization', signature);
    const contentType = options.contentType === undefined ? 'application/json' : options.contentType;
    if (contentType !== null) headers.set('content-type', contentType);
    return this.http.request(this.path, { method: 'POST', headers, body: new Uint8Array(bytes) });
  }

  /** Sends and expects TikTok's success answer: 200 with an empty body. Returns how long it took. */
  async deliver(body: Notification | Buffer | string): Promise<number> {
    const started = Date.now();
    const response = await this.send(body);
    const elapsed = Date.now() - started;
    const text = await response.text();
    if (response.status !== 200 || text !== '') throw new Error(`expected 200 with an empty body, got ${response.status} ${text}`);
    return elapsed;
  }
}

/** Everything a webhook could change, to show that a refused delivery changed nothing. */
export async function databaseState(t: TestApp): Promise<unknown> {
  const [row] = await query<{ state: unknown }>(
    t.db.url,
    `SELECT json_build_object(
       'shops', (SELECT json_agg(json_build_object('id', id, 'status', status, 'authorization_id', authorization_id, 'updated_at', updated_at) ORDER BY id) FROM shops),
       'authorizations', (SELECT json_agg(json_build_object('id', id, 'status', status, 'access_token', access_token, 'refresh_token', refresh_token,
                            'reported_expires_at', reported_expires_at, 'updated_at', updated_at) ORDER BY id) FROM seller_authorizations),
       'events', (SELECT count(*) FROM authorization_events),
       'deliveries', (SELECT count(*) FROM webhook_deliveries)) AS state`,
  );
  return row.state;
}

export async function deliveryOutcome(t: TestApp, notificationId: unknown): Promise<string | undefined> {
  const [row] = await query<{ outcome: string }>(t.db.url, 'SELECT outcome FROM webhook_deliveries WHERE notification_id = $1', [
    notificationId,
  ]);
  return row?.outcome;
}

export async function expectError(response: Response, status: number, error: string): Promise<Record<string, unknown>> {
  expect(response.status).toBe(status);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toEqual({ statusCode: status, error, message: expect.any(String) });
  return body;
}
