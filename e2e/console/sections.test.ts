/**
 * Every section of the console in Chromium against a real server: each page opens from the
 * navigation with one h1 and axe-core finds no serious or critical violation on it (nor on the
 * sign-in form); a screenshot of each lands in test-output/console. Users with fewer permissions
 * (made through the API) see fewer sections and are told in words which permission a section they
 * may not open needs; the server refuses them as well.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_USER, consoleForFile } from '../../testkit/browser.js';
import { restClient, TEST_ADMIN } from '../../testkit/rest.js';

const h = consoleForFile();
const api = restClient(() => h().url, TEST_ADMIN);

const ALL_SECTIONS = ['Dashboard', 'Devices', 'Software', 'Distribution sets', 'Releases and trust', 'Rollouts', 'Users and tokens', 'Settings', 'Audit log'];
/** TARGET_ADMIN reads targets, sets and modules; no rollouts, tenant configuration or audit. */
const TARGET_ADMIN_SECTIONS = ['Dashboard', 'Devices', 'Software', 'Distribution sets', 'Releases and trust'];

async function sectionNames(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'sections' });
  await nav.getByRole('link').first().waitFor();
  return (await nav.getByRole('link').allInnerTexts()).map((t) => t.trim());
}

/** Waits until the page has its h1 and nothing on it is loading any more. */
async function settled(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  // A function, not a string: the console's Content-Security-Policy forbids evaluating strings.
  const idle = () =>
    !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('[aria-busy="true"], .mantine-Loader-root');
  await page.waitForFunction(idle, undefined, { timeout: 20_000 });
}

const slug = (label: string) => label.toLowerCase().replace(/[^a-z0-9]+/g, '-');

describe('console sections', () => {
  beforeAll(async () => {
    // A few devices, so that the tables have rows for axe to look at.
    const targets = await api('POST', '/targets', [
      { controllerId: 'gw-001', name: 'Gateway 1' },
      { controllerId: 'gw-002', name: 'Gateway 2' },
    ]);
    expect(targets.status, targets.text).toBe(201);
    for (const [username, roles] of [
      ['viewer', ['VIEWER']],
      ['fleet', ['TARGET_ADMIN']],
    ] as const) {
      const res = await api('POST', '/users', { username, password: `${username}-password-1`, roles });
      expect(res.status, res.text).toBe(201);
    }
  });

  it('the sign-in form has no serious or critical accessibility violation', async () => {
    await h().page.goto(h().url);
    await h().page.getByRole('form', { name: 'sign in' }).waitFor();
    const findings = await h().axe();
    expect(findings.map((f) => f.summary)).toEqual([]);
  });

  it('every section opens from the navigation with one h1 and no serious or critical axe violation', async () => {
    const { page } = h();
    await h().signIn(ADMIN_USER.username, ADMIN_USER.password);
    expect(await sectionNames(page)).toEqual(ALL_SECTIONS);
    const findings: Record<string, string[]> = {};
    for (const label of ALL_SECTIONS) {
      const nav = page.getByRole('navigation', { name: 'sections' });
      await nav.getByRole('link', { name: label, exact: true }).click();
      // Navigation is a transition: the previous page stays until the next is ready, so wait
      // until the clicked link is the current one (the new page is rendered), then for its data.
      await nav.locator('a[aria-current="page"]', { hasText: label }).waitFor();
      await settled(page);
      expect(await page.getByRole('heading', { level: 1 }).count(), `${label}: one h1`).toBe(1);
      expect(await page.title(), label).toMatch(/ · Osprey$/);
      await h().screenshot(`section-${slug(label)}`);
      const found = (await h().axe()).map((f) => f.summary);
      if (found.length > 0) findings[label] = found;
    }
    expect(findings).toEqual({});
  });

  it('a TARGET_ADMIN sees fewer sections, and a closed one opened by its address says why', async () => {
    const page = await h().newPage();
    await h().signIn('fleet', 'fleet-password-1');
    expect(await sectionNames(page)).toEqual(TARGET_ADMIN_SECTIONS);
    await page.goto(`${h().url}/audit`);
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    const alert = page.getByRole('alert');
    await alert.getByText('You may not open this section').waitFor();
    expect(await alert.innerText()).toContain('READ_AUDIT');
    await h().screenshot('section-denied');
    expect((await h().axe()).map((f) => f.summary)).toEqual([]);
  });

  it('a VIEWER sees the read-only sections; Users and tokens says which permission it lacks, and the server refuses it too', async () => {
    const page = await h().newPage();
    await h().signIn('viewer', 'viewer-password-1');
    // VIEWER holds every READ_ permission; user administration needs UPDATE_TENANT_CONFIGURATION.
    expect(await sectionNames(page)).toEqual(ALL_SECTIONS.filter((s) => s !== 'Users and tokens'));
    await page.goto(`${h().url}/users`);
    await page.getByRole('heading', { level: 1, name: 'Users and tokens' }).waitFor();
    const alert = page.getByRole('alert').filter({ hasText: 'You may not open this section' });
    await alert.waitFor();
    expect(await alert.innerText()).toContain('UPDATE_TENANT_CONFIGURATION');
    await h().screenshot('viewer-users-denied');
    // The server checks again: the session's own token is refused the user list, in words.
    const stored = await page.evaluate<string | null>("sessionStorage.getItem('osprey.session')");
    const token = (JSON.parse(stored ?? '{}') as { token?: string }).token;
    const refused = await api('GET', '/users', undefined, `Bearer ${token}`);
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain('UPDATE_TENANT_CONFIGURATION');
  });
});
