import fs from 'node:fs';
import path from 'node:path';

/** Where, in DATA_DIR, a development admin key is generated when ADMIN_API_KEY is unset (the pages name it). */
export const DEVELOPMENT_ADMIN_KEY_FILE = 'development-admin-api-key';

/**
 * Reads `dataDir/fileName`, first writing `generate()` into it (mode 0600) if it does not exist. Creation is
 * exclusive, so when several processes start at once they all end up with the first one's value.
 */
export function readOrCreateDevelopmentFile(
  dataDir: string,
  fileName: string,
  generate: () => string,
): { file: string; value: string; created: boolean } {
  const file = path.join(dataDir, fileName);
  fs.mkdirSync(dataDir, { recursive: true });
  let created = true;
  try {
    fs.writeFileSync(file, `${generate()}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    created = false;
  }
  return { file, value: fs.readFileSync(file, 'utf8').trim(), created };
}
