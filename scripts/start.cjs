#!/usr/bin/env node
// `npm start`: builds dist/ only when a source is newer than it (a build takes about 10 s), says so on stderr
// (stdout is the service's log), then runs dist/main.js in this same process, so the service keeps the
// terminal (human-readable logs), the signals and the exit code.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const MAIN = path.join(ROOT, 'dist', 'main.js');
/** What the build reads: the sources (a directory's time changes when a file in it is added or deleted). */
const INPUTS = ['src', 'tsconfig.json', 'nest-cli.json'];

/** The newest input, as [path, mtimeMs]. */
function newestInput(entry, newest = ['', 0]) {
  const full = path.join(ROOT, entry);
  let stat;
  try {
    stat = fs.statSync(full);
  } catch {
    return newest;
  }
  if (stat.mtimeMs > newest[1]) newest = [entry, stat.mtimeMs];
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(full)) {
      if (!name.endsWith('.spec.ts')) newest = newestInput(path.join(entry, name), newest);
    }
  }
  return newest;
}

/** Why dist/ must be built, or null when it is up to date. */
function staleReason() {
  if (!fs.existsSync(MAIN)) return 'dist/main.js does not exist';
  const built = fs.statSync(MAIN).mtimeMs;
  const [input, changed] = INPUTS.reduce((newest, entry) => newestInput(entry, newest), ['', 0]);
  return changed > built ? `${input} changed since the last build` : null;
}

function say(line) {
  process.stderr.write(`npm start: ${line}\n`);
}

function build(reason) {
  say(`building dist/ (${reason}), about 10 s ...`);
  const started = Date.now();
  const result = spawnSync(process.execPath, [path.join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], {
    cwd: ROOT,
    stdio: ['ignore', process.stderr, process.stderr],
  });
  if (result.status !== 0) {
    say(`the build failed${result.error ? `: ${result.error.message}` : ''}; not starting`);
    process.exit(result.status || 1);
  }
  say(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const reason = staleReason();
if (reason) build(reason);
else say('dist/ is up to date, not rebuilding');
require(MAIN);
