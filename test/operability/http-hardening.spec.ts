import http from 'node:http';
import net from 'node:net';
import zlib from 'node:zlib';
import { startTestApp, TestApp } from '../support/test-app';
import { waitFor } from '../support/wait';

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Header values; an array sends the header once per value. */
type HeaderValues = Record<string, string | string[]>;

/** One request through node:http, which (unlike fetch) can repeat a header. */
function send(
  base: string,
  path: string,
  options: { method?: string; headers?: HeaderValues; body?: Buffer | string } = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(`${base}${path}`, {
      method: options.method ?? 'GET',
      headers: { accept: 'application/json', ...options.headers },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
        });
      });
    });
    request.end(options.body);
  });
}

describe('HTTP hardening: what a probe from outside tried', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ HTTP_REQUEST_TIMEOUT_SECONDS: '1' });
  });
  afterAll(async () => {
    await t.close();
  });

  const admin = () => ({ authorization: `Bearer ${t.adminKey}`, 'content-type': 'application/json' });

  it('answers a JSON body nested 2,000 levels deep with 400 invalid_request, and takes one 32 levels deep', async () => {
    const deep = `{"name":${'['.repeat(2000)}${']'.repeat(2000)}}`;
    const refused = await send(t.baseUrl, '/admin/api-keys', { method: 'POST', headers: admin(), body: deep });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: 'invalid_request', message: 'the request body is nested more than 32 levels deep' });
    // 32 levels reach validation, which answers as for any wrong type.
    const nested = `{"name":${'['.repeat(31)}${']'.repeat(31)}}`;
    const validated = await send(t.baseUrl, '/admin/api-keys', { method: 'POST', headers: admin(), body: nested });
    expect(validated.status).toBe(400);
    expect(validated.body.message).toMatch(/^name /);
  });

  it('answers two Authorization headers with 400 invalid_request, whichever comes first', async () => {
    const keys = [`Bearer ${t.adminKey}`, 'Bearer tts_other'];
    for (const path of ['/v1/shops', '/admin/shops', '/auth/tiktok', '/health/live']) {
      for (const authorization of [keys, [...keys].reverse()]) {
        const answer = await send(t.baseUrl, path, { headers: { authorization } });
        expect({ path, status: answer.status, error: answer.body.error }).toEqual({ path, status: 400, error: 'invalid_request' });
        expect(answer.body.message).toBe('send one Authorization header, not several');
      }
    }
    const webhook = await send(t.baseUrl, '/webhooks/tiktok', {
      method: 'POST',
      headers: { authorization: ['0'.repeat(64), '1'.repeat(64)] },
      body: '{}',
    });
    expect(webhook.status).toBe(400);
  });

  it('answers a wrong method on an existing route with 405 method_not_allowed and Allow, and an unknown path with 404', async () => {
    const cases: [string, string, string][] = [
      ['PUT', '/admin/shops', 'GET, HEAD'],
      ['DELETE', '/v1/shops/7000000000000001/token', 'GET, HEAD'],
      ['GET', '/webhooks/tiktok', 'POST'],
      ['POST', '/admin/api-keys/00000000-0000-4000-8000-000000000000', 'DELETE'],
      ['PATCH', '/health/live', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const answer = await send(t.baseUrl, path, { method, headers: { authorization: `Bearer ${t.adminKey}` } });
      expect({ method, path, status: answer.status, error: answer.body.error, allow: answer.headers.allow }).toEqual({
        method,
        path,
        status: 405,
        error: 'method_not_allowed',
        allow,
      });
    }
    const unknown = await send(t.baseUrl, '/admin/nothing-here', { method: 'PUT' });
    expect({ status: unknown.status, error: unknown.body.error, allow: unknown.headers.allow }).toEqual({
      status: 404,
      error: 'not_found',
      allow: undefined,
    });
  });

  it('names the bound a value breaks, and a repeated parameter as a wrong type', async () => {
    const key = { authorization: `Bearer ${t.adminKey}` };
    const negative = await send(t.baseUrl, '/v1/shops/7000000000000001/token?min_ttl=-1', { headers: key });
    expect(negative).toMatchObject({ status: 400, body: { error: 'invalid_request', message: 'min_ttl must not be less than 0' } });
    const tooBig = await send(t.baseUrl, '/v1/shops/7000000000000001/token?min_ttl=86401', { headers: key });
    expect(tooBig.body.message).toBe('min_ttl must not be greater than 86400');
    const twice = await send(t.baseUrl, '/auth/callback?code=c&state=a&state=b');
    expect(twice).toMatchObject({ status: 400, body: { error: 'invalid_request', message: 'state must be a string' } });
    const limit = await send(t.baseUrl, '/admin/shops?limit=0', { headers: key });
    expect(limit.body.message).toBe('limit must not be less than 1');
  });

  it("answers a body that is not what its Content-Encoding says in the service's own words, never zlib's", async () => {
    const body = '{"name":"encoded"}';
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const answer = await send(t.baseUrl, '/admin/api-keys', {
        method: 'POST',
        headers: { ...admin(), 'content-encoding': encoding },
        body,
      });
      expect({ encoding, status: answer.status, body: answer.body }).toEqual({
        encoding,
        status: 400,
        body: { statusCode: 400, error: 'invalid_request', message: `the request body is not valid ${encoding} data (Content-Encoding)` },
      });
    }
    const bogus = await send(t.baseUrl, '/admin/api-keys', { method: 'POST', headers: { ...admin(), 'content-encoding': 'bogus' }, body });
    expect(bogus).toMatchObject({
      status: 415,
      body: { error: 'unsupported_media_type', message: 'Content-Encoding "bogus" is not accepted here (send the body as it is)' },
    });
    // Webhooks are read as sent, compressed or not.
    const webhook = await send(t.baseUrl, '/webhooks/tiktok', {
      method: 'POST',
      headers: { authorization: '0'.repeat(64), 'content-encoding': 'gzip' },
      body: zlib.gzipSync('{}'),
    });
    expect(webhook).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    // A well-encoded body is still read.
    const gzipped = await send(t.baseUrl, '/admin/api-keys', {
      method: 'POST',
      headers: { ...admin(), 'content-encoding': 'gzip' },
      body: zlib.gzipSync('{"name":"gzipped"}'),
    });
    expect(gzipped.status).toBe(201);
  });

  /** Opens a POST whose body never completes; resolves with its answer, or never. */
  function openWebhook(headers: HeaderValues): { answer: Promise<RawAnswer>; request: http.ClientRequest } {
    const request = http.request(`${t.baseUrl}/webhooks/tiktok`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', 'content-length': '100000', ...headers },
    });
    const answer = new Promise<RawAnswer>((resolve, reject) => {
      request.on('error', reject);
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>,
          }),
        );
      });
    });
    request.flushHeaders();
    request.write('{"type":');
    return { answer, request };
  }

  it.each([
    ['no signature header', {}, 'the Authorization header with the webhook signature is missing'],
    ['a malformed one', { authorization: 'Bearer abc' }, 'the Authorization header is not a webhook signature (64 lowercase hex digits)'],
  ])('refuses a webhook with %s with 401 before its body has arrived', async (_name, headers, message) => {
    const { answer, request } = openWebhook(headers);
    let settled: RawAnswer | undefined;
    void answer.then(
      (value) => (settled = value),
      () => undefined,
    );
    try {
      // Well before the 1 s request timeout would end the request.
      await waitFor(() => settled !== undefined, 800, 10);
      expect(settled).toMatchObject({ status: 401, body: { error: 'invalid_signature', message }, headers: { connection: 'close' } });
      expect(request.writableEnded).toBe(false);
    } finally {
      request.destroy();
    }
  });

  /**
   * A raw connection that sends `text`, then one byte of `trickle` every 100 ms (never all of it, as a slow
   * client does), until the server closes it.
   */
  function stall(text: string, trickle = ''): { closed: () => boolean; received: () => string } {
    const socket = net.connect(Number(new URL(t.baseUrl).port), '127.0.0.1');
    let received = '';
    let closed = false;
    let sent = 0;
    const dripping = setInterval(() => {
      if (sent < trickle.length && socket.writable) socket.write(trickle[sent++]);
    }, 100);
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      closed = true;
      clearInterval(dripping);
    });
    socket.write(text);
    return { closed: () => closed, received: () => received };
  }

  it('answers what the HTTP parser refuses (oversized headers, not HTTP at all) in JSON with an error code', async () => {
    const oversized = stall(`GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    const garbage = stall('NOT HTTP AT ALL\r\n\r\n');
    await waitFor(() => oversized.closed() && garbage.closed(), 8000);
    for (const [connection, status, error] of [
      [oversized, 431, 'headers_too_large'],
      [garbage, 400, 'invalid_request'],
    ] as const) {
      const [head, body] = connection.received().split('\r\n\r\n');
      expect(head).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(head).toMatch(/\r\ncontent-type: application\/json/i);
      expect(JSON.parse(body)).toEqual({ statusCode: status, error, message: expect.any(String) });
    }
  });

  it('answers a HEAD the parser refuses without a body, so the client reads one clean answer', async () => {
    const url = new URL(t.baseUrl);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const request = http.request(
        { host: url.hostname, port: url.port, method: 'HEAD', path: `/${'x'.repeat(20_000)}`, agent: false },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode));
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(status).toBe(431);
  });

  it('closes a connection whose body or headers do not all arrive within HTTP_REQUEST_TIMEOUT_SECONDS, however they trickle', async () => {
    const started = Date.now();
    const slowBody = stall(
      `POST /admin/api-keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.adminKey}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n`,
      `{"name":"${'x'.repeat(400)}`,
    );
    const slowHeaders = stall('GET /health/live HTTP/1.1\r\nHost: x\r\n', `X-Slow: ${'a'.repeat(400)}`);
    const stalledBody = stall(
      `POST /admin/api-keys HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"na`,
    );
    // Node's defaults would hold them for 5 minutes (the body) and 1 minute (the headers).
    await waitFor(() => slowBody.closed() && slowHeaders.closed() && stalledBody.closed(), 8000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    for (const connection of [slowBody, slowHeaders, stalledBody]) {
      expect(connection.received()).toMatch(/^HTTP\/1\.1 408 /);
      // The service's own answer, with an error code, not Node's bare status line.
      const [head, body] = connection.received().split('\r\n\r\n');
      expect(head).toMatch(/\r\ncontent-type: application\/json/i);
      expect(JSON.parse(body)).toEqual({ statusCode: 408, error: 'request_timeout', message: expect.any(String) });
    }
  });
});
