import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { consent, UK_SELLER } from '../support/consent';
import { HttpClient } from '../support/http-client';
import { startTestApp, TestApp } from '../support/test-app';

/** The first ```bash block after `heading` in the README, as written there. */
function readmeBlock(heading: string): string {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(heading));
  const match = /```bash\n([\s\S]*?)```/.exec(section);
  if (!section.startsWith(heading) || !match) throw new Error(`no bash block under ${heading}`);
  return match[1];
}

describe("the README's curl example", () => {
  let t: TestApp;
  let dir: string;

  beforeAll(async () => {
    t = await startTestApp();
    expect((await consent(new HttpClient(t.baseUrl), UK_SELLER)).status).toBe(200);
    // The project folder of a development start: the admin key where the service generates it.
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-readme-'));
    fs.mkdirSync(path.join(dir, '.data'));
    fs.writeFileSync(path.join(dir, '.data', 'development-admin-api-key'), t.adminKey);
  });
  afterAll(async () => {
    fs.rmSync(dir, { recursive: true, force: true });
    await t.close();
  });

  it('runs as written: creates a key, takes it from the answer and fetches a token with it', async () => {
    const script = readmeBlock('### For microservices');
    expect(script).toContain('$KEY');
    // Only the address differs: this instance listens on a free port.
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-euo', 'pipefail', '-c', script.replaceAll('localhost:3000', new URL(t.baseUrl).host)],
      {
        cwd: dir,
        timeout: 30_000,
      },
    );
    const token = JSON.parse(stdout) as { shop_id: string; access_token: string; expires_at: string };
    expect(token).toMatchObject({ shop_id: '7000000000000001', access_token: expect.any(String) });
    expect(new Date(token.expires_at).getTime()).toBeGreaterThan(Date.now() + 600_000);
  });
});
