import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanLogsForSecrets } from '../support/secrets';

describe('the secret scan of the global teardown', () => {
  let dir: string;
  const secret = 'tts_THIS_IS_A_RECORDED_SECRET_0123456789';

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-scan-'));
    fs.writeFileSync(path.join(dir, 'secrets.txt'), `${secret}\nshort\n`);
    fs.writeFileSync(path.join(dir, 'a.log'), '{"msg":"clean"}\n');
    fs.writeFileSync(path.join(dir, 'b.dump'), 'shops: {"id":"1"}\n');
    fs.writeFileSync(path.join(dir, 'c.responses'), '{"status":200}\n');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('counts what it read and finds nothing in clean files', () => {
    const scan = scanLogsForSecrets(dir);
    expect(scan).toMatchObject({ files: 3, secrets: 1, leaks: [], lines: { 'log lines': 1, 'stored rows': 1, answers: 1 } });
  });

  it.each(['a.log', 'b.dump', 'c.responses'])('finds a secret in %s, masked in the report', (file) => {
    fs.appendFileSync(path.join(dir, file), `leaked ${secret} here\n`);
    const { leaks } = scanLogsForSecrets(dir);
    expect(leaks).toEqual([`${file}: leaked [SECRET] here`]);
  });
});
