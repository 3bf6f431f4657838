/**
 * Real Chromium for page tests: Playwright (playwright-core, which downloads no browser) driving
 * the system's Chromium, by default Debian's /usr/bin/chromium; env ZFB_CHROMIUM overrides the path.
 *
 * Without that binary a newcomer's `npm test` must still pass, so page tests are skipped with a
 * message saying how to install it. In CI (env CI set) a missing browser is a failure instead:
 * otherwise the page tests could stop running without anyone noticing.
 *
 *   const skip = chromiumSkip();                     // test(name, { skip }, ...)
 *   let browser: Browser | undefined;
 *   before(async () => { if (!skip) browser = await launchChromium(); });
 *   after(() => browser?.close());
 *
 * Launch in `before` rather than at the top level: a failed launch then fails each test with its
 * reason, which the runner's summary shows (a top-level throw only says "test failed").
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.ZFB_CHROMIUM || '/usr/bin/chromium';

const INSTALL = 'apt-get install chromium (Debian/Ubuntu), or set ZFB_CHROMIUM to a Chromium binary';

/**
 * The reason to skip page tests (Chromium absent, not in CI), or false when they must run. In
 * CI a missing Chromium is not skipped: launchChromium() then fails and says why.
 */
export function chromiumSkip(): string | false {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) return false;
  return `no Chromium at ${CHROMIUM_PATH}: ${INSTALL}`;
}

/** Launches headless Chromium; one per test file, closed in `after`. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium is required in CI for the page tests, and there is none at ${CHROMIUM_PATH}: ${INSTALL} (.ci/run installs it with apt-get).`);
  }
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    // --no-sandbox: Chromium refuses to start as root (containers, CI) with its sandbox on.
    // The background-networking flags stop Chromium's own calls home (updates, sync, field
    // trials): on a closed network they are refused, and the tests only talk to 127.0.0.1.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
