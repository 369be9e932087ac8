import {
  ArgumentsHost,
  CallHandler,
  Catch,
  ExceptionFilter,
  ExecutionContext,
  Module,
  NestInterceptor,
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';
import { SandboxModule } from '../../src/sandbox/sandbox.module';

/** A host app's global filter and response wrapper must not reshape the sandbox's TikTok answers. */
@Catch()
class TeapotFilter implements ExceptionFilter {
  catch(_exception: unknown, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(418).json({ teapot: true });
  }
}

class WrapInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(map((data: unknown) => ({ wrapped: data })));
  }
}

@Module({
  imports: [
    SandboxModule.forRoot({
      apps: [{ id: 'default', appKey: 'k', appSecret: 's', serviceId: 'svc', redirectUrl: 'http://localhost:3000/auth/callback' }],
      accessTokenTtlSeconds: 604800,
      refreshTokenTtlSeconds: 31536000,
    }),
  ],
})
class HostModule {}

describe('SandboxModule inside a host app', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(HostModule, { logger: false });
    app.useGlobalFilters(new TeapotFilter());
    app.useGlobalInterceptors(new WrapInterceptor());
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
    await app.listen(0, '127.0.0.1');
    base = `${await app.getUrl()}/sandbox`;
  });

  afterAll(async () => {
    await app.close();
  });

  it('keeps its own envelope, pages and control answers', async () => {
    const token = await fetch(`${base}/api/v2/token/get?app_key=k&app_secret=s&auth_code=x&grant_type=authorized_code`);
    expect(token.status).toBe(200);
    expect(await token.json()).toMatchObject({ code: 36004004 });

    const page = await fetch(`${base}/open/authorize?service_id=wrong`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('TikTok Shop <span>(sandbox)</span>');

    const minted = await fetch(`${base}/_control/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ open_id: 'sbx-open-uk-001' }),
    });
    expect(minted.status).toBe(200);
    expect(await minted.json()).toEqual({ code: expect.stringMatching(/^SBXC_/) });

    const bad = await fetch(`${base}/_control/codes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ open_id: 'nobody' }),
    });
    expect(bad.status).toBe(404);
  });
});
