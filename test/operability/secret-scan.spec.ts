import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanLogsForSecrets, SecretIndex } from '../support/secrets';

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

describe('SecretIndex', () => {
  const index = new SecretIndex(['abcdefgh', 'abcdefghXYZ', 'k1:0123456789abcdef', 'tts_zzzzzzzzzzzz', 'short']);

  it.each<[string, string, string[]]>([
    ['at the start and end of a line', 'abcdefgh tts_zzzzzzzzzzzz', ['abcdefgh', 'tts_zzzzzzzzzzzz']],
    ['inside a longer run of characters', 'xxk1:0123456789abcdefxx', ['k1:0123456789abcdef']],
    ['two secrets sharing their first 8 characters', 'abcdefghXYZ', ['abcdefgh', 'abcdefghXYZ']],
    ['a secret cut short', 'tts_zzzzzzzzzzz', []],
    ['nothing', 'a clean line', []],
  ])('finds %s', (_label, line, expected) => {
    expect(index.find(line).sort()).toEqual([...expected].sort());
  });

  it('ignores values shorter than 8 characters', () => {
    expect(index.size).toBe(4);
    expect(index.find('short')).toEqual([]);
  });

  it('reads a long input once, not once per secret', () => {
    // 20,000 secrets and a 2 MB line: comparing each secret with the line would be 40 G character steps.
    const many = new SecretIndex(Array.from({ length: 20000 }, (_, i) => `secret-${String(i).padStart(8, '0')}`));
    const line = 'x'.repeat(2_000_000) + 'secret-00019999';
    expect(many.find(line)).toEqual(['secret-00019999']);
  });
});
