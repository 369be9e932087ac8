import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import { freePort } from '../../src/database/embedded-postgres';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * No Docker engine runs where these tests run: the Dockerfile and docker-compose.yml are checked as text (the
 * settings the README promises), and the image's health check command is run for real against the service.
 */
const ROOT = path.resolve(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** The instructions of the Dockerfile's last stage (the image), continuation lines joined. */
function finalStage(): { instruction: string; args: string }[] {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'));
  const last = lines.map((line) => line.startsWith('FROM ')).lastIndexOf(true);
  return lines.slice(last).map((line) => {
    const [instruction, ...rest] = line.trim().split(/\s+/);
    return { instruction, args: rest.join(' ') };
  });
}

interface ComposeService {
  image?: string;
  build?: unknown;
  env_file?: { path: string; required?: boolean }[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  profiles?: string[];
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const appServices = Object.entries(compose.services).filter(([, service]) => service.build !== undefined);

describe('Dockerfile', () => {
  const stage = finalStage();
  const env = Object.fromEntries(
    stage.filter(({ instruction }) => instruction === 'ENV').flatMap(({ args }) => args.split(/\s+/).map((pair) => pair.split('='))),
  ) as Record<string, string>;

  it('listens on every interface, in production, with DATA_DIR in a folder the node user owns', () => {
    expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', DATA_DIR: '/data' });
    const runs = stage.filter(({ instruction }) => instruction === 'RUN').map(({ args }) => args);
    expect(runs).toContainEqual(expect.stringMatching(/mkdir -p \/data && chown node:node \/data/));
    expect(stage.findIndex(({ instruction }) => instruction === 'USER')).toBeGreaterThan(
      stage.findIndex(({ args }) => args.includes('chown node:node /data')),
    );
    expect(stage.find(({ instruction }) => instruction === 'USER')?.args).toBe('node');
  });

  it("runs a Node the service's engines accept", () => {
    const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
    for (const [, major] of read('Dockerfile').matchAll(/^FROM node:(\d+)/gm)) {
      expect(semver.intersects(`^${major}`, engines)).toBe(true);
    }
  });

  describe('HEALTHCHECK', () => {
    const healthcheck = stage.find(({ instruction }) => instruction === 'HEALTHCHECK')?.args ?? '';
    const command = JSON.parse(healthcheck.slice(healthcheck.indexOf('CMD ') + 4)) as string[];
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t?.close();
    });
    // Asynchronously: the service answering it runs in this process.
    const check = (port: number) =>
      new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, command.slice(1), { env: { PORT: String(port) }, stdio: 'ignore', timeout: 10000 });
        child.once('exit', resolve);
      });

    it('is a node command on /health/ready', () => {
      expect(healthcheck).toMatch(/--interval=\d+s --timeout=\d+s --start-period=\d+s --retries=\d+ CMD /);
      expect(command.slice(0, 2)).toEqual(['node', '-e']);
      expect(command[2]).toContain('/health/ready');
    });

    it('passes against a ready service and fails when nothing listens', async () => {
      expect(await check(t.config.port)).toBe(0);
      expect(await check(await freePort())).toBe(1);
    });
  });
});

describe('docker-compose.yml', () => {
  it('builds the image once: every service built from the Dockerfile shares one image name', () => {
    expect(appServices.map(([name]) => name).sort()).toEqual(['app', 'replica-1', 'replica-2', 'replica-3']);
    expect(new Set(appServices.map(([, service]) => service.image))).toEqual(new Set(['tiktok-shop-token-service:local']));
    expect(new Set(appServices.map(([, service]) => JSON.stringify(service.build))).size).toBe(1);
  });

  it('gives the app and the replicas one optional env_file, and HOST=0.0.0.0 explicitly', () => {
    for (const [, service] of appServices) {
      expect(service.env_file).toEqual([{ path: '.env', required: false }]);
      expect(service.environment).toMatchObject({ HOST: '0.0.0.0' });
      expect(service.environment).not.toHaveProperty('TIKTOK_APP_SECRET');
    }
  });

  it('keeps the development DATA_DIR on a named volume, like the database', () => {
    const app = compose.services.app;
    const dataDir = String(app.environment?.DATA_DIR);
    const mount = app.volumes?.map((volume) => volume.split(':')).find(([, target]) => target === dataDir);
    expect(mount).toBeDefined();
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining([(mount as string[])[0], 'pgdata']));
  });
});

describe('.gitignore', () => {
  it('ignores npm pack output', () => {
    expect(() => execFileSync('git', ['check-ignore', '-q', 'tiktok-shop-token-service-0.1.0.tgz'], { cwd: ROOT })).not.toThrow();
  });
});
