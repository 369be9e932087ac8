import { ESLint, Linter } from 'eslint';
import path from 'node:path';
import tseslint from 'typescript-eslint';

// The layering rules of `npm run lint`, applied to probe files that import across modules: they must refuse
// an import up the layers (type-only included) and a cycle, and let an import down the layers through.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LAYERS, layering } = require('../../eslint.layering.cjs') as {
  LAYERS: Record<string, string[]>;
  layering: (project: string) => Linter.Config & { rules: Linter.RulesRecord };
};

const root = path.join(__dirname, '../..');

/** One linter per rule set, reused by every probe (building one costs seconds). */
const linters = new Map<string, ESLint>();

/** The problems `rule` finds in `text` as the file `file`; the other layering rule is off (no-cycle walks the import graph). */
async function problems(file: string, text: string, rule: 'boundaries/dependencies' | 'import-x/no-cycle'): Promise<string[]> {
  let eslint = linters.get(rule);
  if (!eslint) {
    const config = layering(path.join(root, 'tsconfig.test.json'));
    const rules = Object.fromEntries(Object.entries(config.rules).map(([name, value]) => [name, name === rule ? value : 'off']));
    eslint = new ESLint({
      cwd: root,
      overrideConfigFile: true,
      overrideConfig: [
        { files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } },
        { ...config, rules },
      ],
    });
    linters.set(rule, eslint);
  }
  const [result] = await eslint.lintText(text, { filePath: path.join(root, file) });
  return result.messages.map((message) => `${message.ruleId}: ${message.message}`);
}

describe('layering (eslint.layering.cjs)', () => {
  it('allows imports that form no cycle between modules, and names only modules that exist', () => {
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean =>
      (LAYERS[from] ?? []).some((next) => next === to || (!seen.has(next) && (seen.add(next), reaches(next, to, seen))));
    for (const [name, below] of Object.entries(LAYERS)) {
      expect({ name, cycle: reaches(name, name) }).toEqual({ name, cycle: false });
      for (const lower of below) expect([...Object.keys(LAYERS), 'app']).toContain(lower);
    }
  });

  it.each([
    [
      'common importing shops',
      'src/common/probe.ts',
      "import { ShopsQueryService } from '../shops/shops-query.service';\nexport const x = ShopsQueryService;\n",
    ],
    [
      'shops importing tokens, type-only',
      'src/shops/probe.ts',
      "import type { RefreshOutcome } from '../tokens/refresh.types';\nexport type X = RefreshOutcome;\n",
    ],
    [
      'database importing a feature',
      'src/database/probe.ts',
      "import { ApiKey } from '../access/entities/api-key.entity';\nexport const x = ApiKey;\n",
    ],
    ['a feature importing the root', 'src/shops/probe.ts', "import { ENTITIES } from '../entities';\nexport const x = ENTITIES;\n"],
  ])('refuses %s', async (_label, file, text) => {
    expect(await problems(file, text, 'boundaries/dependencies')).toEqual([
      expect.stringMatching(/^boundaries\/dependencies: There is no policy allowing dependencies from elements of type/),
    ]);
  });

  it('refuses an import cycle', async () => {
    // config-sections.ts imports app-config.ts: app-config.ts importing it back closes a cycle.
    const found = await problems(
      'src/config/app-config.ts',
      "import { stripSlash } from './config-sections';\nexport const x = stripSlash;\n",
      'import-x/no-cycle',
    );
    expect(found).toContain('import-x/no-cycle: Dependency cycle detected');
  });

  it('lets an import down the layers through, and an import that closes no cycle', async () => {
    const down = "import { ShopsQueryService } from '../shops/shops-query.service';\nexport const x = ShopsQueryService;\n";
    expect(await problems('src/tokens/probe.ts', down, 'boundaries/dependencies')).toEqual([]);
    const acyclic = "import { ConfigError } from './config.error';\nexport const x = ConfigError;\n";
    expect(await problems('src/config/app-config.ts', acyclic, 'import-x/no-cycle')).toEqual([]);
  });
});
