// The two small steps around the two tsc runs of `npm run build`: `clean` empties dist/, and `mark-cjs`
// tells Node that dist/cjs holds CommonJS although this package is "type": "module".
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const step = process.argv[2];

if (step === 'clean') {
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
} else if (step === 'mark-cjs') {
  fs.writeFileSync(path.join(root, 'dist', 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' })}\n`);
} else {
  console.error(`unknown step ${step ?? '(none)'}: expected clean or mark-cjs`);
  process.exit(1);
}
