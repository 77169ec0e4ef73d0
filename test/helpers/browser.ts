// Real Chromium (Debian's `chromium` package), headless, driven by playwright-core; nothing is
// downloaded. The browser tier's probe (scripts/run-tests.mjs) checks the binary first.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.NEUTRINO_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots go: gitignored, kept by CI as artifacts. */
export const ARTIFACTS = join(new URL('../../..', import.meta.url).pathname, 'artifacts');

export function browserProblem(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (apt-get install chromium)`;
}

export async function launchChromium(): Promise<Browser> {
  // --no-sandbox: the tests run as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
