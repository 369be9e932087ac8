// @ts-check
// The layering of src/, for eslint.config.mjs (and test/operability/layering.spec.ts, which checks that it
// refuses what it should).
const boundaries = require('eslint-plugin-boundaries');
const { createTypeScriptImportResolver } = require('eslint-import-resolver-typescript');
const { importX } = require('eslint-plugin-import-x');

/**
 * The modules of src/ and what each may import, lowest first: a module may import only those listed for it
 * (and itself). The allowed imports form a chain of layers, so no module can import one that depends on it;
 * the README's architecture section draws the same graph.
 */
const LAYERS = {
  config: [],
  common: ['config'],
  openapi: ['common'],
  database: ['config', 'common'],
  cache: ['config', 'common', 'database'],
  metrics: ['config', 'common', 'openapi'],
  tiktok: ['config', 'common'],
  sandbox: ['config', 'common', 'tiktok'],
  audit: ['common', 'database'],
  tenants: ['config', 'common', 'openapi', 'database', 'audit'],
  access: ['config', 'common', 'openapi', 'database', 'cache', 'audit', 'tenants'],
  notifications: ['config', 'common', 'database'],
  pipeline: ['config', 'common', 'openapi', 'metrics', 'access'],
  shops: ['config', 'common', 'openapi', 'database', 'cache', 'metrics', 'tiktok', 'access', 'notifications', 'tenants'],
  auth: ['config', 'common', 'openapi', 'database', 'tiktok', 'tenants', 'notifications', 'access', 'pipeline', 'shops'],
  webhooks: ['config', 'common', 'openapi', 'database', 'metrics', 'notifications', 'shops'],
  tokens: ['config', 'common', 'openapi', 'database', 'cache', 'metrics', 'tiktok', 'access', 'notifications', 'pipeline', 'shops'],
  admin: ['config', 'common', 'openapi', 'database', 'audit', 'tenants', 'access', 'notifications', 'shops', 'tokens'],
  housekeeping: ['config', 'common', 'database', 'metrics', 'tenants', 'notifications', 'shops', 'auth', 'webhooks'],
  health: ['common', 'database'],
  scripts: ['config', 'common', 'database', 'shops', 'app'],
};
const MODULES = Object.keys(LAYERS);

/**
 * No import cycle, and dependencies only downwards. import-x/no-cycle skips `import type`; `npm run lint`
 * also runs dpdm, which follows type-only imports too.
 * @param {string} project the tsconfig the import resolver reads
 */
function layering(project) {
  return {
    files: ['src/**/*.ts'],
    plugins: { boundaries, 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import/resolver': { typescript: { project } },
      // The first descriptor that matches a file gives its module: src/<module>/..., else the root of src/.
      'boundaries/elements': [
        ...MODULES.map((name) => ({ type: name, pattern: `src/${name}`, partialMatch: false })),
        { type: 'app', pattern: 'src', partialMatch: false },
      ],
    },
    rules: {
      'import-x/no-cycle': 'error',
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: [
            ...Object.entries(LAYERS).map(([name, below]) => ({
              from: { element: { type: name } },
              allow: { to: { element: { types: { anyOf: [name, ...below] } } } },
            })),
            // The root (main.ts, app.module.ts, app.factory.ts, entities.ts) assembles every module.
            { from: { element: { type: 'app' } }, allow: { to: { element: { types: { anyOf: [...MODULES, 'app'] } } } } },
          ],
        },
      ],
    },
  };
}

module.exports = { LAYERS, layering };
