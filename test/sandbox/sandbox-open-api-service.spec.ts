import { signRequest } from '../../src/tiktok/tiktok-signer';
import { startTestApp, TestApp } from '../support/test-app';

interface Envelope<T = Record<string, unknown>> {
  code: number;
  message: string;
  data: T;
}

/** The emulator inside the service (sandbox mode): its Open API routes get their raw bytes, the others keep their parsers. */
describe('sandbox Open API inside the service', () => {
  let app: TestApp;
  let token: string;

  beforeAll(async () => {
    app = await startTestApp();
    const { appKey, appSecret } = app.config.tiktok.apps[0];
    const minted = await fetch(`${app.baseUrl}/sandbox/_control/codes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ open_id: 'sbx-open-uk-001' }),
    });
    expect(minted.status).toBe(200);
    const { code } = (await minted.json()) as { code: string };
    const query = new URLSearchParams({ app_key: appKey, app_secret: appSecret, auth_code: code, grant_type: 'authorized_code' });
    const grant = (await (await fetch(`${app.baseUrl}/sandbox/api/v2/token/get?${query.toString()}`)).json()) as Envelope<{
      access_token: string;
    }>;
    token = grant.data.access_token;
  });

  afterAll(() => app.close());

  async function call<T>(path: string, method: string, contentType: string, body: string | Buffer, extra: Record<string, string> = {}) {
    const { appKey, appSecret } = app.config.tiktok.apps[0];
    const query: Record<string, string> = { ...extra, app_key: appKey, timestamp: String(Math.floor(Date.now() / 1000)) };
    query.sign = signRequest(appSecret, { path, query, body, contentType });
    const res = await fetch(`${app.baseUrl}/sandbox${path}?${new URLSearchParams(query).toString()}`, {
      method,
      headers: { 'x-tts-access-token': token, 'content-type': contentType },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    return { status: res.status, body: (await res.json()) as Envelope<T> };
  }

  it('takes a multipart upload unsigned, with `; boundary=`', async () => {
    const boundary = 'svcBoundary7';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="data"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00]),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const ok = await call<{ uri: string }>('/product/202309/images/upload', 'POST', `multipart/form-data; boundary=${boundary}`, body);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ code: 0, data: { uri: expect.stringMatching(/^tos-/) } });
  });

  it('checks the sign over the JSON bytes as sent (the service keeps no raw copy of its own JSON bodies)', async () => {
    const shops = await fetch(`${app.baseUrl}/sandbox/_control/sellers`, { headers: { authorization: `Bearer ${app.adminKey}` } });
    const { sellers } = (await shops.json()) as { sellers: { open_id: string; shops: { cipher: string }[] }[] };
    const cipher = sellers.find((seller) => seller.open_id === 'sbx-open-uk-001')!.shops[0].cipher;
    const found = await call<{ orders: unknown[] }>('/order/202309/orders/search', 'POST', 'application/json', '{ "note" : "naïve ☕" }', {
      shop_cipher: cipher,
      page_size: '3',
    });
    expect(found.body.code).toBe(0);
    expect(found.body.data.orders).toHaveLength(3);
  });

  it('refuses an upload above its limit before the emulator sees it', async () => {
    const res = await fetch(`${app.baseUrl}/sandbox/product/202309/images/upload`, {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data; boundary=x' },
      body: new Uint8Array(7 * 1024 * 1024),
    });
    expect(res.status).toBe(413);
    // The sandbox's other routes keep the service's JSON limit.
    const control = await fetch(`${app.baseUrl}/sandbox/_control/codes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ open_id: 'x'.repeat(100 * 1024) }),
    });
    expect(control.status).toBe(413);
  });
});
