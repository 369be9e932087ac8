// The chaos and fuzz suite (npm run test:chaos): the same setup as jest.config.js (embedded or
// DATABASE_URL PostgreSQL, log scan at teardown), only the tests under test/chaos, one file at a time (they
// kill processes and restart a database server, and measure nothing against each other).
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180000,
  maxWorkers: 1,
};
