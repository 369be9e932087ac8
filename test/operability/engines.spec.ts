import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';

/**
 * The Node versions the README promises are the service's `engines`, and every package the service needs at
 * run time (the lockfile's non-development packages) declares at least those: no EBADENGINE for them, on any
 * promised version. Development tooling that declares less is named here and in the README.
 */
const ROOT = path.resolve(__dirname, '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { version?: string; dev?: boolean; engines?: { node?: string } | string[] }>;
};
const ENGINES = pkg.engines.node;

/** Packages of the lockfile whose declared Node range leaves out some version the service promises. */
function narrower(dev: boolean): string[] {
  return Object.entries(lock.packages)
    .filter(([location, entry]) => location && Boolean(entry.dev) === dev)
    .filter(([, entry]) => {
      const declared = !entry.engines || Array.isArray(entry.engines) ? undefined : entry.engines.node;
      return declared !== undefined && !semver.subset(ENGINES, declared);
    })
    .map(([location, entry]) => `${location.replace(/^.*node_modules\//, '')}@${entry.version}`);
}

describe('Node versions', () => {
  it("every run-time dependency accepts every Node version the service's engines name", () => {
    expect(narrower(false)).toEqual([]);
  });

  it('only the Nest CLI (build and watch tooling) declares fewer, and the README says so', () => {
    const tooling = narrower(true).map((name) => name.replace(/@[^@]+$/, ''));
    const cli = /^(@angular-devkit\/|@nestjs\/schematics$|@inquirer\/|commander$|eslint-visitor-keys$)/;
    expect(tooling.filter((name) => !cli.test(name))).toEqual([]);
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain('`@nestjs/cli`');
  });

  it('the README and .ci/run state the same versions', () => {
    const minimums = semver
      .validRange(ENGINES)
      ?.split('||')
      .map((part) => (semver.minVersion(part.trim()) as semver.SemVer).format().replace(/\.0$/, ''));
    expect(minimums).toEqual(['20.19', '22.13', '24.11']);
    const requirements = /^Requirements: .*$/m.exec(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'))?.[0] ?? '';
    for (const minimum of minimums ?? []) expect(requirements).toContain(minimum);
    expect(fs.readFileSync(path.join(ROOT, '.ci/run'), 'utf8')).toContain(`"${ENGINES}"`);
  });

  it('the running Node is one of them', () => {
    expect(semver.satisfies(process.versions.node, ENGINES)).toBe(true);
  });
});
