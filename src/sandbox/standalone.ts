import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { SandboxModule } from './sandbox.module';
import type { SandboxOptions } from './sandbox.options';

export interface SandboxServer {
  /** Base URL including the `/sandbox` prefix, e.g. http://127.0.0.1:41234/sandbox. */
  url: string;
  close(): Promise<void>;
}

/**
 * One emulator shared by several service instances in a test: a Nest app holding only the sandbox,
 * on 127.0.0.1 (port 0 = any free port).
 */
export async function startSandboxServer(options: SandboxOptions & { port?: number }): Promise<SandboxServer> {
  const { port = 0, ...sandboxOptions } = options;
  const app = await NestFactory.create<NestExpressApplication>(SandboxModule.forRoot(sandboxOptions), {
    logger: ['error', 'warn'],
    // The Open API signature covers the exact body bytes.
    rawBody: true,
    // Keep-alive sockets of HTTP clients would otherwise hold close() open.
    forceCloseConnections: true,
  });
  await app.listen(port, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${address.port}/sandbox`,
    close: () => (closed ??= app.close()),
  };
}
