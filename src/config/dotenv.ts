import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './config.error';

export interface DotEnvFile {
  file: string;
  /** Names taken from the file (never their values: the file holds secrets). */
  applied: string[];
  /** Names the file also sets, which the environment already had and keeps. */
  ignored: string[];
}

function isTest(value: string | undefined): boolean {
  return value?.trim() === 'test';
}

/**
 * Reads `.env` from the working directory into `env`, as @nestjs/config does: a variable already in the
 * environment wins over the file. Never with NODE_ENV=test, so a developer's `.env` cannot change what the
 * tests run against. Returns what it did, or undefined when there was nothing to read.
 */
export function loadDotEnv(env: NodeJS.ProcessEnv = process.env, file = path.resolve('.env')): DotEnvFile | undefined {
  if (isTest(env.NODE_ENV)) return undefined;
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigError('.env', `cannot be read (${code ?? 'unknown error'}): ${file}`);
  }
  const values = parseEnv(text);
  if (env.NODE_ENV === undefined && isTest(values.NODE_ENV)) return undefined;
  const result: DotEnvFile = { file, applied: [], ignored: [] };
  for (const [name, value] of Object.entries(values).sort(([a], [b]) => a.localeCompare(b))) {
    if (value === undefined) continue;
    if (name in env) {
      result.ignored.push(name);
    } else {
      env[name] = value;
      result.applied.push(name);
    }
  }
  return result;
}
