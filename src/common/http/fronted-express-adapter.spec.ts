import express from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { FrontedExpressAdapter } from './fronted-express-adapter';

describe('FrontedExpressAdapter', () => {
  let server: Server;
  let base: string;
  const seenByExpress: string[] = [];

  beforeAll(async () => {
    const app = express();
    app.use((request, response) => {
      seenByExpress.push(request.url);
      // Express's own request object: its prototype is app.request, with Express's helpers.
      response.json({ by: 'express', has_express_helpers: typeof request.get === 'function' });
    });
    const adapter = new FrontedExpressAdapter(app, 30_000);
    adapter.initHttpServer({});
    adapter.setFront((request, response, next) => {
      if (request.url !== '/front') return next();
      // The raw Node request: Express has not touched it.
      response.end(JSON.stringify({ by: 'front', has_express_helpers: 'get' in request }));
    });
    server = adapter.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('answers what the front handles before Express sees the request, and gives Express the rest', async () => {
    expect(await (await fetch(`${base}/front`)).json()).toEqual({ by: 'front', has_express_helpers: false });
    expect(await (await fetch(`${base}/other`)).json()).toEqual({ by: 'express', has_express_helpers: true });
    expect(seenByExpress).toEqual(['/other']);
    expect(server.listenerCount('request')).toBe(1);
  });
});
