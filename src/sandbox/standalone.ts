import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sandboxOpenApiBodies } from './sandbox-open-api.bodies';
import { SandboxModule } from './sandbox.module';
import type { SandboxOptions } from './sandbox.options';

export interface SandboxServer {
  /** Base URL including the `/sandbox` prefix, e.g. http://127.0.0.1:41234/sandbox. */
  url: string;
  /** What `/sandbox/_control/*` wants as `Authorization: Bearer <adminKey>`. */
  adminKey: string;
  close(): Promise<void>;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * The host service's guard does not run here, so the test levers check the key themselves, the way the
 * service answers a missing or wrong key (401 `unauthorized`).
 */
function requireKey(adminKey: string) {
  const expected = digest(adminKey);
  return (request: Request, response: Response, next: NextFunction): void => {
    const match = /^Bearer[ ]+(\S+)[ ]*$/i.exec(request.headers.authorization ?? '');
    if (match && timingSafeEqual(digest(match[1]), expected)) return next();
    response
      .status(401)
      .setHeader('WWW-Authenticate', 'Bearer')
      .json({ statusCode: 401, error: 'unauthorized', message: 'the sandbox test controls need Authorization: Bearer <admin key>' });
  };
}

/**
 * One emulator shared by several service instances in a test: a Nest app holding only the sandbox,
 * on 127.0.0.1 (port 0 = any free port). Its test controls need `adminKey` (random unless given).
 */
export async function startSandboxServer(options: SandboxOptions & { port?: number; adminKey?: string }): Promise<SandboxServer> {
  const { port = 0, adminKey = randomBytes(32).toString('base64url'), ...sandboxOptions } = options;
  const app = await NestFactory.create<NestExpressApplication>(SandboxModule.forRoot(sandboxOptions), {
    logger: ['error', 'warn'],
    // The Open API signature covers the exact body bytes.
    rawBody: true,
    // Keep-alive sockets of HTTP clients would otherwise hold close() open.
    forceCloseConnections: true,
  });
  app.use('/sandbox/_control', requireKey(adminKey));
  for (const { path, handler } of sandboxOpenApiBodies()) app.use(path, handler);
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}/sandbox`,
    adminKey,
    close: () => (closed ??= app.close()),
  };
}
