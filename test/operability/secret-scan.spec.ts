import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { redactedPath } from '../../src/common/logging/root-logger';
import { createSession, createTenant } from '../support/connect';
import { query } from '../support/database';
import { HttpClient } from '../support/http-client';
import { scanLogsForSecrets, SecretIndex } from '../support/secrets';
import { startTestApp, TestApp } from '../support/test-app';

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

describe('connect tokens in logs, answers and stored rows', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    await createTenant(t, 'merchant-a');
  });
  afterAll(async () => {
    await t.close();
  });

  it('logs a connect link as /connect/[redacted] on every path to it, and stores only its digest', async () => {
    const session = await createSession(t, 'merchant-a');
    const client = new HttpClient(t.baseUrl);
    const answers = [
      await client.get(session.path, 'text/html'),
      await client.get(`${session.path}/more`),
      await client.get(`/CONNECT/${session.token}`),
      await client.get(`/auth/../connect/${session.token}?x=1`),
      await client.request(session.path, { method: 'POST' }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([302, 404, 404, 302, 405]);
    for (const answer of answers) expect(`${[...answer.headers].join('\n')}\n${await answer.text()}`).not.toContain(session.token);
    const log = fs.readFileSync(t.config.log.file ?? '', 'utf8');
    expect(log).not.toContain(session.token);
    const paths = log
      .split('\n')
      .filter((line) => line.includes('"request completed"') || line.includes('"request errored"'))
      .map((line) => (JSON.parse(line) as { req: { path: string } }).req.path)
      .filter((logged) => /\/connect\//i.test(logged));
    expect(paths).toEqual([
      '/connect/[redacted]',
      '/connect/[redacted]',
      '/CONNECT/[redacted]',
      '/connect/[redacted]',
      '/connect/[redacted]',
    ]);
    const rows = await query<{ row: string }>(
      t.db.url,
      `SELECT row_to_json(c)::text AS row FROM connect_sessions c UNION ALL SELECT row_to_json(s)::text FROM oauth_states s`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const { row } of rows) expect(row).not.toContain(session.token);
  });
});

describe('redactedPath', () => {
  it.each([
    ['/connect/abc', '/connect/[redacted]'],
    // Everything after connect/: a token one segment further (a mistyped link) is hidden too.
    ['/connect/abc/def', '/connect/[redacted]'],
    ['/connect//abc', '/connect/[redacted]'],
    ['/Connect/abc', '/Connect/[redacted]'],
    ['//connect/abc', '//connect/[redacted]'],
    ['/connect/', '/connect/[redacted]'],
    ['/auth/connect-demo', '/auth/connect-demo'],
    ['/v1/connect-sessions', '/v1/connect-sessions'],
    ['/v1/shops/7000000000000001/token', '/v1/shops/7000000000000001/token'],
  ])('%s -> %s', (path, expected) => {
    expect(redactedPath(path)).toBe(expected);
  });
});
