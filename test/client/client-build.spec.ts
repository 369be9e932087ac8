import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { consent, sandboxStats, UK_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { createServiceKey } from '../support/tokens';
import { UK_SHOP } from './client-helpers';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const PACKAGE_DIR = path.join(ROOT, 'packages/client');
const PACKAGE_NAME = '@tiktok-shop-token-service/client';

/** What a consumer runs, as CommonJS and as ESM: a token, a typed error, and where the package resolved. */
const CONSUMER = `
const client = new TokenClient({ baseUrl: process.env.TTS_URL, apiKey: process.env.TTS_KEY });
const token = await client.getToken(process.env.TTS_SHOP);
let typedError = false;
try {
  await client.getToken('7999999999999999');
} catch (error) {
  typedError = error instanceof ShopNotFoundError && error instanceof TokenServiceError && error.status === 404;
}
// Never the token itself on stdout: only whether it is the one the test expects.
console.log(JSON.stringify({
  resolved: RESOLVED,
  sameToken: token.accessToken === process.env.TTS_EXPECTED,
  expiresAtIsDate: token.expiresAt instanceof Date,
  shopCipher: token.shopCipher,
  typedError,
}));
`;

const TYPED_CONSUMER = `
import {
  AppRequiredError,
  isExpiredTokenError,
  ShopNotFoundError,
  TenantNotFoundError,
  TokenClient,
  TokenServiceError,
  UnknownAppError,
  type ConnectSession,
  type ShopToken,
} from '${PACKAGE_NAME}';

const client = new TokenClient({ baseUrl: 'http://localhost:3000', apiKey: 'key', retries: 2 });
export function use(): Promise<Date> {
  return client.withToken('7000000000000001', async (token: ShopToken) => token.expiresAt);
}
export const recognised: boolean = isExpiredTokenError(new ShopNotFoundError({ status: 404, code: 'shop_not_found', message: 'none' }));
export function status(error: TokenServiceError): number {
  return error.status;
}
// @ts-expect-error shop ids are strings: the declarations are typed, not any
void client.getToken(7000000000000001);
export function appOf(): Promise<string> {
  return client.getToken('7000000000000001', { app: 'us', minTtl: 60 }).then((token: ShopToken) => token.app);
}
export const apps: readonly string[] = new AppRequiredError({ status: 400, code: 'app_required', message: 'name one', apps: ['us'] }).apps;
export const unknown: boolean = new UnknownAppError({ status: 400, code: 'unknown_app', message: 'none' }) instanceof TokenServiceError;
// @ts-expect-error an app is named by its id, a string
void client.invalidate('7000000000000001', { app: 1 });
export function connect(): Promise<ConnectSession> {
  return client.createConnectSession('merchant-42', { returnUrl: 'https://app.example.com/settings/tiktok' });
}
export const missing: boolean = new TenantNotFoundError({ status: 404, code: 'tenant_not_found', message: 'none' }) instanceof TokenServiceError;
// @ts-expect-error the return URL is a string
void client.createConnectSession('merchant-42', { returnUrl: new URL('https://app.example.com/') });
`;

describe('the built client package (ESM and CommonJS)', () => {
  let t: TestApp;
  let consumerDir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    await run('npm', ['run', '--silent', 'build:client'], { cwd: ROOT, timeout: 170_000 });
    t = await startTestApp();
    const browser = new HttpClient(t.baseUrl);
    expect((await consent(browser, UK_SELLER)).status).toBe(200);
    const key = await createServiceKey(t.baseUrl, t.adminKey, 'built client');
    env = {
      ...process.env,
      TTS_URL: t.baseUrl,
      TTS_KEY: key,
      TTS_SHOP: UK_SHOP,
      TTS_EXPECTED: (await sandboxStats(browser)).current[UK_SELLER].access_token,
    };
    // A consumer project with the package installed under its name, as `npm install` would link it.
    consumerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-client-consumer-'));
    fs.mkdirSync(path.join(consumerDir, 'node_modules/@tiktok-shop-token-service'), { recursive: true });
    fs.symlinkSync(PACKAGE_DIR, path.join(consumerDir, 'node_modules', PACKAGE_NAME), 'dir');
  }, 180_000);
  afterAll(async () => {
    await t?.close();
    if (consumerDir) fs.rmSync(consumerDir, { recursive: true, force: true });
  });

  it('declares both builds, with types, and no runtime dependency', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ name: PACKAGE_NAME, private: false, type: 'module', engines: { node: '>=20' } });
    expect(manifest.dependencies ?? {}).toEqual({});
    const exported = (manifest.exports as Record<string, Record<string, Record<string, string>>>)['.'];
    for (const target of [
      exported.import.types,
      exported.import.default,
      exported.require.types,
      exported.require.default,
      manifest.main,
      manifest.types,
    ]) {
      expect(fs.existsSync(path.join(PACKAGE_DIR, target as string))).toBe(true);
    }
    expect(JSON.parse(fs.readFileSync(path.join(PACKAGE_DIR, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it('works through require()', async () => {
    const file = path.join(consumerDir, 'consumer.cjs');
    const resolved = `require.resolve('${PACKAGE_NAME}')`;
    fs.writeFileSync(
      file,
      `const { TokenClient, ShopNotFoundError, TokenServiceError } = require('${PACKAGE_NAME}');\n(async () => {${CONSUMER.replace('RESOLVED', resolved)}})().catch((error) => { console.error(error.name, error.code); process.exit(1); });\n`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: consumerDir, env, timeout: 30_000 });
    const answer = JSON.parse(stdout) as Record<string, unknown>;
    expect(answer).toEqual({
      resolved: path.join(PACKAGE_DIR, 'dist/cjs/index.js'),
      sameToken: true,
      expiresAtIsDate: true,
      shopCipher: expect.stringMatching(/^SBXCIPHER_/),
      typedError: true,
    });
  });

  it('works through import', async () => {
    const file = path.join(consumerDir, 'consumer.mjs');
    const resolved = `new URL(import.meta.resolve('${PACKAGE_NAME}')).pathname`;
    fs.writeFileSync(
      file,
      `import { TokenClient, ShopNotFoundError, TokenServiceError } from '${PACKAGE_NAME}';\n${CONSUMER.replace('RESOLVED', resolved)}`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: consumerDir, env, timeout: 30_000 });
    const answer = JSON.parse(stdout) as Record<string, unknown>;
    expect(answer).toEqual({
      resolved: path.join(PACKAGE_DIR, 'dist/esm/index.js'),
      sameToken: true,
      expiresAtIsDate: true,
      shopCipher: expect.stringMatching(/^SBXCIPHER_/),
      typedError: true,
    });
  });

  it('type-checks in an ESM and a CommonJS TypeScript consumer', async () => {
    fs.writeFileSync(path.join(consumerDir, 'esm-consumer.mts'), TYPED_CONSUMER);
    fs.writeFileSync(path.join(consumerDir, 'cjs-consumer.cts'), TYPED_CONSUMER);
    const tsconfig = {
      compilerOptions: {
        module: 'node20',
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ['esm-consumer.mts', 'cjs-consumer.cts'],
    };
    fs.writeFileSync(path.join(consumerDir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', consumerDir, '--traceResolution'], {
      cwd: consumerDir,
      timeout: 120_000,
      maxBuffer: 64 * 1024 * 1024,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '', failed: true }));
    expect('failed' in result ? result.stdout.split('\n').filter((line) => /error TS/.test(line)) : []).toEqual([]);
    // Each consumer got the declarations of its own format.
    expect(result.stdout).toContain(
      `======== Module name '${PACKAGE_NAME}' was successfully resolved to '${path.join(PACKAGE_DIR, 'dist/esm/index.d.ts')}'`,
    );
    expect(result.stdout).toContain(
      `======== Module name '${PACKAGE_NAME}' was successfully resolved to '${path.join(PACKAGE_DIR, 'dist/cjs/index.d.ts')}'`,
    );
  }, 120_000);
});
