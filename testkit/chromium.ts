/**
 * Debian's Chromium (/usr/bin/chromium, never a downloaded browser; CI installs it with
 * .ci/install-system-packages) driven by playwright-core, on a fresh profile. No test-runner
 * imports: the browser tests (testkit/browser.ts) and the console benchmark both use it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.OSPREY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless and quiet: no GPU, no QUIC, none of Chromium's own background traffic (updates,
 * sync, component downloads), so a test talks to the server under test and nothing else.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  browser: BrowserContext;
  close(): Promise<void>;
}

/**
 * Chromium with a fresh user-data directory of its own (removed on close), so no profile, cache
 * or stored session leaks from one test file into another.
 */
export async function launchChromium(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's chromium (.ci/install-system-packages) or set OSPREY_CHROMIUM`);
  const profile = mkdtempSync(join(tmpdir(), 'osprey-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 800 },
      locale: 'en-US',
    });
  } catch (e) {
    rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    throw e;
  }
  return {
    browser: context,
    async close() {
      await context.close().catch(() => undefined);
      // Chromium's last writes to its profile may still land while it goes: retry a non-empty directory.
      rmSync(profile, { recursive: true, force: true, maxRetries: 5 });
    },
  };
}
