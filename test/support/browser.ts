import fs from 'node:fs';
import { Browser, chromium } from 'playwright-core';

/** Debian's chromium (installed by .ci/run); CHROMIUM_PATH overrides. Never a downloaded browser. */
const executablePath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (candidate): candidate is string => !!candidate && fs.existsSync(candidate),
);

/**
 * `describe` when a Chromium is installed. On a laptop without one the browser tests are skipped with a
 * notice; in CI they must run.
 */
export function describeWithBrowser(name: string, body: () => void): void {
  if (!executablePath && process.env.CI) throw new Error("CI=true but no Chromium found: .ci/run installs Debian's chromium");
  if (!executablePath) console.warn(`${name}: skipped; install Chromium (apt-get install chromium) or set CHROMIUM_PATH`);
  (executablePath ? describe : describe.skip)(name, body);
}

/** Headless, and without the background traffic this machine's closed network would refuse. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
