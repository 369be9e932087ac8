import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(__dirname, '../../scripts/start.cjs');

/** A project of the script's shape with a stand-in compiler that counts its runs and fails on src/broken.ts. */
function fixture(): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tts-start-'));
  const file = (relative: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
    fs.writeFileSync(path.join(root, relative), text);
  };
  file('scripts/start.cjs', fs.readFileSync(SCRIPT, 'utf8'));
  file('src/main.ts', 'export {};\n');
  file('src/tokens/token.service.ts', 'export {};\n');
  file('tsconfig.json', '{}\n');
  file('nest-cli.json', '{}\n');
  file(
    'node_modules/@nestjs/cli/bin/nest.js',
    `const fs = require('node:fs');
fs.appendFileSync('builds', 'x');
if (fs.existsSync('src/broken.ts')) { console.error('src/broken.ts: error TS1005'); process.exit(2); }
fs.rmSync('dist', { recursive: true, force: true });
fs.mkdirSync('dist');
fs.writeFileSync('dist/main.js', "console.log('service started on stdout')");
`,
  );
  return root;
}

function start(root: string): { status: number | null; stdout: string; stderr: string; builds: number } {
  const run = spawnSync(process.execPath, [path.join(root, 'scripts/start.cjs')], { cwd: root, encoding: 'utf8', timeout: 30000 });
  const builds = fs.existsSync(path.join(root, 'builds')) ? fs.readFileSync(path.join(root, 'builds'), 'utf8').length : 0;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, builds };
}

/** Moves a file's time `seconds` away from now (file systems with coarse times make "just after" unreliable). */
function age(root: string, relative: string, seconds: number): void {
  const at = new Date(Date.now() + seconds * 1000);
  fs.utimesSync(path.join(root, relative), at, at);
}

describe('npm start (scripts/start.cjs)', () => {
  let root: string;
  beforeEach(() => {
    root = fixture();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('builds when dist/ is missing, saying so on stderr, then runs dist/main.js', () => {
    const run = start(root);
    expect(run).toMatchObject({ status: 0, builds: 1, stdout: 'service started on stdout\n' });
    expect(run.stderr).toMatch(/building dist\/ \(dist\/main\.js does not exist\)/);
    expect(run.stderr).toMatch(/built in \d+\.\d s/);
  });

  it('does not rebuild while dist/ is newer than every source', () => {
    start(root);
    for (const input of ['src', 'src/main.ts', 'src/tokens', 'src/tokens/token.service.ts', 'tsconfig.json', 'nest-cli.json'])
      age(root, input, -60);
    const run = start(root);
    expect(run).toMatchObject({ status: 0, builds: 1, stdout: 'service started on stdout\n' });
    expect(run.stderr).toBe('npm start: dist/ is up to date, not rebuilding\n');
  });

  it.each([
    ['a changed source', (r: string) => age(r, 'src/tokens/token.service.ts', 60), 'src/tokens/token.service.ts changed'],
    [
      'a deleted source',
      (r: string) => (fs.rmSync(path.join(r, 'src/tokens/token.service.ts')), age(r, 'src/tokens', 60)),
      'src/tokens changed',
    ],
    ['a changed tsconfig.json', (r: string) => age(r, 'tsconfig.json', 60), 'tsconfig.json changed'],
  ])('rebuilds after %s, naming it', (_what, change, reason) => {
    start(root);
    change(root);
    const run = start(root);
    expect(run).toMatchObject({ status: 0, builds: 2 });
    expect(run.stderr).toContain(reason);
  });

  it('ignores spec files, which the build leaves out', () => {
    start(root);
    fs.writeFileSync(path.join(root, 'src/tokens/token.service.spec.ts'), 'export {};\n');
    age(root, 'src/tokens/token.service.spec.ts', 60);
    age(root, 'src/tokens', -60);
    expect(start(root).builds).toBe(1);
  });

  it('stops with the compiler output and its status when the build fails', () => {
    fs.writeFileSync(path.join(root, 'src/broken.ts'), 'export {\n');
    const run = start(root);
    expect(run).toMatchObject({ status: 2, stdout: '' });
    expect(run.stderr).toContain('src/broken.ts: error TS1005');
    expect(run.stderr).toContain('npm start: the build failed; not starting');
  });
});
