import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SANDBOX_CREDENTIALS } from '../../src/config/app-config';
import { consent, UK_SELLER } from '../support/consent';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';
import { UK_SHOP, WEBHOOK_TEST_ENV } from './webhook-sender';

const run = promisify(execFile);
const README = fs.readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

/** The bash block that follows the README's "Sign a test webhook" paragraph. */
function signingExample(): string {
  const after = README.slice(README.indexOf('Sign a test webhook'));
  const block = /```bash\n([\s\S]*?)```/.exec(after);
  if (!block) throw new Error('README: no bash block after "Sign a test webhook"');
  return block[1];
}

describe("the README's test webhook against the sandbox", () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(WEBHOOK_TEST_ENV);
    expect((await consent(new HttpClient(t.baseUrl), UK_SELLER)).status).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  it('names the credentials the sandbox really runs with', () => {
    expect(t.config.tiktok.apps[0].appKey).toBe(SANDBOX_CREDENTIALS.appKey);
    expect(t.config.tiktok.apps[0].appSecret).toBe(SANDBOX_CREDENTIALS.appSecret);
    for (const value of Object.values(SANDBOX_CREDENTIALS)) expect(README).toContain(`\`${value}\``);
  });

  it('is signed correctly as written: 200, and the shop is revoked', async () => {
    const script = signingExample().replaceAll('localhost:3000', t.baseUrl.replace('http://', ''));
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { timeout: 30000 });
    expect(stdout).toMatch(/^HTTP\/1\.1 200 /);
    const [shop] = await query<{ status: string }>(t.db.url, 'SELECT status FROM shops WHERE id = $1', [UK_SHOP]);
    expect(shop.status).toBe('revoked');
  });
});
