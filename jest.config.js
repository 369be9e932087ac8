// Jest 30 + @swc/jest in CommonJS mode. NestJS 12 ships ESM-only packages; Jest on Node 20 cannot
// require() ESM, so every node_modules package whose package.json says "type": "module" is
// transformed to CommonJS too. Jest's own ESM mode breaks on @nestjs/throttler (CommonJS requiring
// @nestjs/common), and ts-jest cannot require() ESM before Node 24.9.
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(root) {
  const found = [];
  const visit = (dir, prefix) => {
    let entries = [];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      if (entry.name.startsWith('@') && !prefix) {
        visit(path.join(dir, entry.name), entry.name + '/');
        continue;
      }
      const name = prefix + entry.name;
      try {
        const pkg = JSON.parse(fs.readFileSync(path.join(dir, entry.name, 'package.json'), 'utf8'));
        if (pkg.type === 'module') found.push(name);
      } catch {
        // not a package
      }
    }
  };
  visit(root, '');
  return found;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const esm = esmPackages(path.join(__dirname, 'node_modules'));

const swcOptions = {
  jsc: {
    target: 'es2023',
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    keepClassNames: true,
  },
  module: { type: 'commonjs', ignoreDynamic: false },
  sourceMaps: 'inline',
};

/** @type {import('jest').Config} */
module.exports = {
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  // The chaos and fuzz suite (kills processes, restarts PostgreSQL) runs on its own: npm run test:chaos.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/chaos/'],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  transform: { '^.+\\.(t|j|mj|cj)s$': ['@swc/jest', swcOptions] },
  transformIgnorePatterns: [esm.length ? `/node_modules/(?!(${esm.map(escape).join('|')})/)` : '/node_modules/'],
  setupFiles: ['reflect-metadata'],
  // Every answer a test receives goes into the folder the global teardown scans for secrets.
  setupFilesAfterEnv: ['<rootDir>/test/support/record-responses.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60000,
  maxWorkers: 2,
  // --shard by running time, not by file count (.ci/run's further Node versions).
  testSequencer: '<rootDir>/test/support/balanced-sequencer.js',
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
};
