import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const DEBIAN_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * How long a first launch may take: the npm-shipped Chromium unpacks its brotli archives into the temp dir
 * (3 to 12 s on 2 cores) before it starts. Use it as the timeout of the hook that calls launchBrowser().
 */
export const BROWSER_LAUNCH_TIMEOUT_MS = 90_000;

/**
 * A headless Chromium for the page tests: Debian's /usr/bin/chromium when installed, otherwise the one shipped in
 * the @sparticuz/chromium dev dependency (unpacked to the temp dir on first use; nothing is downloaded).
 * Throws, naming both, when neither starts: a missing browser must fail the test, never skip it.
 * KB_TEST_BROWSER=bundled uses the npm one even where Debian's is installed (to try what a bare machine runs).
 */
export async function launchBrowser(env: NodeJS.ProcessEnv = process.env): Promise<Browser> {
  const forceBundled = env.KB_TEST_BROWSER === 'bundled';
  if (!forceBundled && existsSync(DEBIAN_CHROMIUM)) {
    return chromium.launch({ executablePath: DEBIAN_CHROMIUM, args: DEBIAN_ARGS, headless: true });
  }
  try {
    const { default: sparticuz } = await import('@sparticuz/chromium');
    const executablePath = await sparticuz.executablePath();
    // --single-process is for AWS Lambda's sandbox; with it a second browser context never opens a page.
    const args = sparticuz.args.filter((a) => a !== '--single-process');
    return await chromium.launch({ executablePath, args, headless: true });
  } catch (error) {
    throw new Error(
      `No browser for the web page test: ${DEBIAN_CHROMIUM} is ${forceBundled ? 'not used (KB_TEST_BROWSER=bundled)' : 'missing'} and the Chromium of the @sparticuz/chromium dev dependency did not start ` +
        `(${(error as Error).message}). Run npm ci (it installs the dev dependencies), or apt-get install -y chromium.`,
      { cause: error },
    );
  }
}
