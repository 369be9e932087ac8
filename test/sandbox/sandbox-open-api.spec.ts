import { signRequest } from '../../src/tiktok/tiktok-signer';
import { startSandboxServer, SandboxServer } from '../../src/sandbox/standalone';
import { waitFor } from '../support/wait';

const APP = {
  id: 'default',
  appKey: 'sbx-app-key',
  appSecret: 'sbx-app-secret',
  serviceId: '7123456789012345678',
  redirectUrl: 'http://localhost:3000/auth/callback',
};
const OTHER_APP = { ...APP, id: 'other', appKey: 'sbx-other-key', appSecret: 'sbx-other-secret', serviceId: '7123456789012345679' };
const UK = 'sbx-open-uk-001';
const US_CIPHER_OWNER = 'sbx-open-us-001';
const PRODUCT = '1729382756910001001';
const ODD_BODY = '{ "order_status" :"COMPLETED",  "note":"café ☕ \\u00e9",\n\t"create_time_ge": 1767225600 }';

interface Envelope<T = Record<string, unknown>> {
  code: number;
  message: string;
  request_id: string;
  data: T;
}
interface Shop {
  id: string;
  name: string;
  cipher: string;
}
interface Call {
  method?: string;
  token: string;
  query?: Record<string, string>;
  body?: Buffer | string;
  contentType?: string;
  /** Signs these bytes instead of the ones sent. */
  signedBody?: string;
  secret?: string;
  appKey?: string;
  timestamp?: number;
}

let server: SandboxServer;

beforeAll(async () => {
  server = await startSandboxServer({ apps: [APP, OTHER_APP], accessTokenTtlSeconds: 604800, refreshTokenTtlSeconds: 31536000 });
});
afterAll(() => server.close());
beforeEach(() => control('POST', '/reset'));

async function control<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${server.url}/_control${path}`, {
    method,
    headers: { authorization: `Bearer ${server.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as T;
}

async function tokenFor(openId: string, app = APP): Promise<string> {
  const { code } = await control<{ code: string }>('POST', '/codes', { open_id: openId, app: app.id });
  const query = new URLSearchParams({ app_key: app.appKey, app_secret: app.appSecret, auth_code: code, grant_type: 'authorized_code' });
  const res = await fetch(`${server.url}/api/v2/token/get?${query.toString()}`);
  return ((await res.json()) as Envelope<{ access_token: string }>).data.access_token;
}

/** A call signed as the gateway must: the path, the sorted query, and the body bytes as sent unless multipart. */
async function call<T = Record<string, unknown>>(path: string, options: Call) {
  const query: Record<string, string> = {
    ...options.query,
    app_key: options.appKey ?? APP.appKey,
    timestamp: String(options.timestamp ?? Math.floor(Date.now() / 1000)),
  };
  const signed = options.signedBody ?? options.body;
  query.sign = signRequest(options.secret ?? APP.appSecret, { path, query, body: signed, contentType: options.contentType });
  const headers: Record<string, string> = { 'x-tts-access-token': options.token };
  if (options.contentType) headers['content-type'] = options.contentType;
  const started = Date.now();
  const res = await fetch(`${server.url}${path}?${new URLSearchParams(query).toString()}`, {
    method: options.method ?? 'GET',
    headers,
    body: typeof options.body === 'string' || options.body === undefined ? options.body : new Uint8Array(options.body),
  });
  const body = (await res.json()) as Envelope<T>;
  return { status: res.status, body, headers: res.headers, elapsedMs: Date.now() - started };
}

async function ukShops(token: string): Promise<Shop[]> {
  const { body } = await call<{ shops: Shop[] }>('/seller/202309/shops', { token });
  expect(body.code).toBe(0);
  return body.data.shops;
}

function searchOrders(token: string, cipher: string | undefined, extra: Partial<Call> = {}) {
  return call<{ orders: { id: string }[]; total_count: number; next_page_token: string }>('/order/202309/orders/search', {
    method: 'POST',
    token,
    query: { page_size: '5', ...(cipher === undefined ? {} : { shop_cipher: cipher }) },
    body: ODD_BODY,
    contentType: 'application/json',
    ...extra,
  });
}

function multipart(boundary: string): Buffer {
  const image = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="data"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`),
    image,
    Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="use_case"\r\n\r\nMAIN_IMAGE\r\n--${boundary}--\r\n`),
  ]);
}

function upload(token: string, extra: Partial<Call> = {}) {
  return call<{ uri: string; url: string; use_case: string }>('/product/202309/images/upload', {
    method: 'POST',
    token,
    body: multipart('----sbxBoundary42'),
    contentType: 'Multipart/Form-Data; boundary=----sbxBoundary42',
    ...extra,
  });
}

describe('sandbox shop-scoped Open API', () => {
  it('signs as documented (facts document, section 6)', () => {
    const sign = signRequest('e59af819cc', { path: '/authorization/202309/shops', query: { app_key: '29a39d', timestamp: '1623812664' } });
    expect(sign).toBe('b596b73e0cc6de07ac26f036364178ab16b0a907af13d43f0a0cd2345f582dc8');
  });

  it('lists the seller shops for the token and refuses shop_cipher with 36009004', async () => {
    const token = await tokenFor(UK);
    const shops = await ukShops(token);
    expect(shops.map((shop) => shop.name)).toEqual(['Demo Shop UK', 'Demo Shop UK Outlet']);
    const refused = await call('/seller/202309/shops', { token, query: { shop_cipher: shops[0].cipher } });
    expect(refused.body).toMatchObject({ code: 36009004, message: expect.stringContaining('Unexpected identifier') });
    expect(refused.body.request_id).toEqual(expect.any(String));
  });

  it('searches orders with a JSON body signed byte for byte, honouring page_size', async () => {
    const token = await tokenFor(UK);
    const [shop] = await ukShops(token);
    const first = await searchOrders(token, shop.cipher);
    expect(first.status).toBe(200);
    expect(first.body.code).toBe(0);
    expect(first.body.data.orders).toHaveLength(5);
    expect(first.body.data.total_count).toBe(12);
    const again = await searchOrders(token, shop.cipher);
    expect(again.body.data.orders).toEqual(first.body.data.orders);
    const next = await searchOrders(token, shop.cipher, {
      query: { page_size: '100', shop_cipher: shop.cipher, page_token: first.body.data.next_page_token },
    });
    expect(next.body.data.orders).toHaveLength(7);
    expect(next.body.data.next_page_token).toBe('');
    for (const pageSize of ['0', '101', 'x']) {
      const bad = await searchOrders(token, shop.cipher, { query: { page_size: pageSize, shop_cipher: shop.cipher } });
      expect(bad.body.code).toBe(36009004);
    }
  });

  it('refuses the same body signed as re-serialized (other bytes) with 106001', async () => {
    const token = await tokenFor(UK);
    const [shop] = await ukShops(token);
    const reserialized = JSON.stringify(JSON.parse(ODD_BODY) as unknown);
    const bad = await searchOrders(token, shop.cipher, { signedBody: reserialized });
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe(106001);
  });

  it('needs shop_cipher on order search and products (106013), and one of the token seller', async () => {
    const token = await tokenFor(UK);
    const [shop] = await ukShops(token);
    expect((await searchOrders(token, undefined)).body.code).toBe(106013);
    expect((await call(`/product/202309/products/${PRODUCT}`, { token })).body.code).toBe(106013);
    const usShops = await ukShops(await tokenFor(US_CIPHER_OWNER));
    const foreign = await searchOrders(token, usShops[0].cipher);
    expect(foreign.body).toMatchObject({ code: 36009004, message: expect.stringContaining('shop_cipher') });
    expect((await call(`/product/202309/products/${PRODUCT}`, { token, query: { shop_cipher: usShops[0].cipher } })).body.code).toBe(
      36009004,
    );
    const known = await call<{ id: string; title: string; skus: { price: { currency: string } }[] }>(
      `/product/202309/products/${PRODUCT}`,
      {
        token,
        query: { shop_cipher: shop.cipher },
      },
    );
    expect(known.body).toMatchObject({ code: 0, data: { id: PRODUCT, title: 'Demo T-shirt' } });
    expect(known.body.data.skus[0].price.currency).toBe('GBP');
    const missing = await call('/product/202309/products/1729000000000000000', { token, query: { shop_cipher: shop.cipher } });
    expect(missing.body.code).toBe(12052048);
  });

  it('takes a multipart upload unsigned, whatever the case of its media type, and refuses shop_cipher', async () => {
    const token = await tokenFor(UK);
    const ok = await upload(token);
    expect(ok.body).toMatchObject({ code: 0, data: { use_case: 'MAIN_IMAGE' } });
    expect(ok.body.data.uri).toMatch(/^tos-/);
    expect(ok.body.data.url).toContain(ok.body.data.uri);
    // The same sign with the body's bytes left out holds for any body.
    const otherBytes = await upload(token, { body: multipart('other'), contentType: 'multipart/form-data; boundary=other' });
    expect(otherBytes.body.code).toBe(0);
    const [shop] = await ukShops(token);
    expect((await upload(token, { query: { shop_cipher: shop.cipher } })).body.code).toBe(36009004);
    const notMultipart = await upload(token, { body: '{}', contentType: 'application/json' });
    expect(notMultipart.body.code).toBe(36009004);
  });

  it('answers 105002 for an expired token and 105001 for another app or an unknown one', async () => {
    await control('POST', '/config', { access_token_ttl_seconds: 1 });
    const token = await tokenFor(UK);
    await control('POST', '/config', { clock_offset_seconds: 5 });
    const expired = await Promise.all([
      call('/seller/202309/shops', { token }),
      searchOrders(token, 'any-cipher'),
      call(`/product/202309/products/${PRODUCT}`, { token, query: { shop_cipher: 'any-cipher' } }),
      upload(token),
    ]);
    expect(expired.map(({ body }) => body.code)).toEqual([105002, 105002, 105002, 105002]);
    await control('POST', '/config', { clock_offset_seconds: 0, access_token_ttl_seconds: 604800 });
    const fresh = await tokenFor(UK);
    expect((await call('/seller/202309/shops', { token: fresh, appKey: OTHER_APP.appKey, secret: OTHER_APP.appSecret })).body.code).toBe(
      105001,
    );
    expect((await call('/seller/202309/shops', { token: 'SBXA_nobody' })).body.code).toBe(105001);
  });

  it('refuses a timestamp outside the window and a bad sign', async () => {
    const token = await tokenFor(UK);
    const [shop] = await ukShops(token);
    const now = Math.floor(Date.now() / 1000);
    for (const timestamp of [now - 400, now + 120]) {
      const refused = await searchOrders(token, shop.cipher, { timestamp });
      expect(refused.body).toMatchObject({ code: 36009004, message: expect.stringContaining('timestamp') });
    }
    expect((await call('/seller/202309/shops', { token, secret: 'wrong' })).body.code).toBe(106001);
  });

  it('answers an injected 429 / 36009002 with Retry-After, then serves again', async () => {
    const token = await tokenFor(UK);
    const [shop] = await ukShops(token);
    await control('POST', '/faults', { endpoint: 'order_search', type: 'rate_limit', count: 1, retry_after: 7 });
    await control('POST', '/faults', { endpoint: 'image_upload', type: 'rate_limit', count: 1 });
    const limited = await searchOrders(token, shop.cipher);
    expect(limited.status).toBe(429);
    expect(limited.body.code).toBe(36009002);
    expect(limited.headers.get('retry-after')).toBe('7');
    const uploadLimited = await upload(token);
    expect(uploadLimited.status).toBe(429);
    expect(uploadLimited.headers.get('retry-after')).toBeNull();
    expect((await searchOrders(token, shop.cipher)).body.code).toBe(0);
    const stats = await control<{ calls: Record<string, number> }>('GET', '/stats');
    expect(stats.calls).toMatchObject({ order_search: 2, image_upload: 1, seller_shops: 1 });
  });

  it('refuses retry_after on another fault type', async () => {
    const res = await fetch(`${server.url}/_control/faults`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint: 'product_get', type: 'http_500', retry_after: 1 }),
    });
    expect(res.status).toBe(400);
  });

  it('holds a call for injected latency, then answers it normally', async () => {
    const token = await tokenFor(UK);
    const [shop] = await ukShops(token);
    await control('POST', '/faults', { endpoint: 'product_get', type: 'timeout', delay_ms: 300, count: 1 });
    const pending = call(`/product/202309/products/${PRODUCT}`, { token, query: { shop_cipher: shop.cipher } });
    await waitFor(async () => (await control<{ faults: unknown[] }>('GET', '/faults')).faults.length === 0, 5000);
    const held = await pending;
    expect(held.body.code).toBe(0);
    expect(held.elapsedMs).toBeGreaterThanOrEqual(290);
  });
});
