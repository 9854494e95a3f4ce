/**
 * The operator console in a real browser for tests: Debian's Chromium (/usr/bin/chromium, never a
 * downloaded browser — CI installs it with .ci/install-system-packages) driven by playwright-core,
 * against a real Osprey server (testkit/server.ts, PGlite in memory) that serves the built console
 * (packages/web/dist). One browser per test file: `consoleForFile()` starts both in beforeAll and
 * closes both in afterAll, also when a test failed.
 *
 * No sleeps: every wait is Playwright's auto-waiting (locators) or a bounded `waitFor`.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launchChromium, type BrowserSession } from './chromium.js';
import { startTestServer, type TestServer } from './server.js';

const REPO_ROOT = join(import.meta.dirname, '..');
export const CONSOLE_DIST = join(REPO_ROOT, 'packages', 'web', 'dist');
/** Screenshots of the console land here (gitignored), for a person to look at after a run. */
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'console');

/** The admin user startTestServer creates. */
export const ADMIN_USER = { username: 'admin', password: 'admin-password' } as const;

/** One serious or critical axe finding, with a line a person can act on. */
export interface AxeFinding {
  id: string;
  impact: 'serious' | 'critical';
  help: string;
  helpUrl: string;
  /** CSS selectors of the offending elements (at most five). */
  targets: string[];
  /** `rule (impact): help — selector, selector`. */
  summary: string;
}

/** Runs axe-core in the page and returns its serious and critical violations (minor and moderate ones are left out). */
export async function axe(page: Page): Promise<AxeFinding[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v): v is typeof v & { impact: 'serious' | 'critical' } => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => {
      const targets = v.nodes.slice(0, 5).map((n) => n.target.map(String).join(' '));
      return {
        id: v.id,
        impact: v.impact,
        help: v.help,
        helpUrl: v.helpUrl,
        targets,
        summary: `${v.id} (${v.impact}): ${v.help} — ${targets.join(', ')}${v.nodes.length > 5 ? ` and ${v.nodes.length - 5} more` : ''}`,
      };
    });
}

export interface ConsoleOptions {
  /** Server configuration on top of testkit/server.ts's defaults. */
  overrides?: Parameters<typeof startTestServer>[1];
  /** The server's clock (sessions expire by it). */
  clock?: () => Date;
}

export interface ConsoleHarness {
  /** The server's origin, where the console is served. */
  url: string;
  server: TestServer;
  context: BrowserContext;
  /** The page the helpers act on (a fresh one per `newPage()`). */
  page: Page;
  /** A fresh tab in the same browser (no sessionStorage of the others: a new console session). */
  newPage(): Promise<Page>;
  /**
   * Opens the console and signs in; resolves once the signed-in frame (the sections navigation)
   * shows. A refused sign-in fails with the alert the console shows.
   */
  signIn(username: string, password: string, options?: { tenant?: string; page?: Page }): Promise<void>;
  /** Fills and submits the sign-in form without waiting for the outcome. */
  submitSignIn(username: string, password: string, options?: { tenant?: string; page?: Page }): Promise<void>;
  /** Saves a full-page screenshot as test-output/console/NAME.png; returns its path. */
  screenshot(name: string, page?: Page): Promise<string>;
  axe(page?: Page): Promise<AxeFinding[]>;
  close(): Promise<void>;
}

/** A real server serving the built console, and Chromium on it. */
export async function startConsole(options: ConsoleOptions = {}): Promise<ConsoleHarness> {
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error(`the console is not built (no ${join(CONSOLE_DIST, 'index.html')}): run npm run build`);
  const server = await startTestServer(
    'pglite',
    { consoleDir: CONSOLE_DIST, ...options.overrides },
    { listen: true, ...(options.clock ? { clock: options.clock } : {}) },
  );
  let chromiumSession: BrowserSession;
  try {
    chromiumSession = await launchChromium();
  } catch (e) {
    await server.stop();
    throw e;
  }
  const context = chromiumSession.browser;
  // A persistent context opens with one blank tab.
  const first = context.pages()[0] ?? (await context.newPage());

  const harness: ConsoleHarness = {
    url: server.url,
    server,
    context,
    page: first,
    async newPage() {
      harness.page = await context.newPage();
      return harness.page;
    },
    async submitSignIn(username, password, { tenant, page = harness.page } = {}) {
      if (!page.url().startsWith(server.url)) await page.goto(server.url);
      const form = page.getByRole('form', { name: 'sign in' });
      await form.getByLabel('User name').fill(username);
      // Mantine's required label reads "Password *".
      await form.getByLabel(/^Password/).fill(password);
      if (tenant) await form.getByLabel('Tenant').fill(tenant);
      await form.getByRole('button', { name: 'Sign in' }).click();
    },
    async signIn(username, password, opts = {}) {
      const page = opts.page ?? harness.page;
      await harness.submitSignIn(username, password, opts);
      const nav = page.getByRole('navigation', { name: 'sections' });
      const refused = page.getByRole('form', { name: 'sign in' }).getByRole('alert');
      await nav.or(refused).first().waitFor();
      if (await refused.isVisible()) throw new Error(`sign-in as ${username} refused: ${await refused.innerText()}`);
    },
    async screenshot(name, page = harness.page) {
      if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)}: use letters, digits, . _ -`);
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    axe: (page = harness.page) => axe(page),
    async close() {
      // Both, whatever the other's outcome: no Chromium or server outlives the file.
      await Promise.allSettled([chromiumSession.close(), server.stop()]);
    },
  };
  return harness;
}

/**
 * The harness for one test file: started in beforeAll, closed in afterAll. Read it inside tests
 * (`const h = consoleForFile(); it('…', async () => { await h().signIn(…) })`).
 */
export function consoleForFile(options: ConsoleOptions = {}): () => ConsoleHarness {
  let harness: ConsoleHarness | undefined;
  beforeAll(async () => {
    harness = await startConsole(options);
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });
  return () => {
    if (!harness) throw new Error('the console harness is not running (did beforeAll fail?)');
    return harness;
  };
}

/**
 * A clock for the server that runs with real time but can jump ahead: `advance(ms)` moves the
 * server's "now" forward (sessions expire by it) while the browser's own timers keep real time.
 */
export function testClock(): { now: () => Date; advance: (ms: number) => void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms) => void (offset += ms) };
}

export type { Browser, BrowserContext, Page };
export { CHROMIUM, CHROMIUM_ARGS, launchChromium } from './chromium.js';
