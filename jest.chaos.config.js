// The chaos and fuzz suite (npm run test:chaos): the same setup as jest.config.js (embedded or
// DATABASE_URL PostgreSQL, log scan at teardown), only the tests under test/chaos. Two files at a time: each
// kills only its own processes and restarts only a PostgreSQL server of its own, and none measures against
// another; the crash test's 45 s of kill -9 runs beside the others instead of before them.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['<rootDir>/test/chaos/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  testTimeout: 180000,
  maxWorkers: 2,
};
