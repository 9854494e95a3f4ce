/**
 * The operator's day in the console, in Debian's Chromium against a real server with simulated
 * devices (issue 11's "done when"): sign in; create a module and upload its artifact with a
 * progress bar; create a distribution set; publish its release; create a rollout in the wizard
 * and start it over four devices, one of which fails its health check; pause and resume it; watch
 * it reach "finished" live (no reload); open the failed device and read its status messages; and
 * see a viewer refused. A screenshot of each step lands in test-output/console/.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runSimulatedFleet, type SimulatedFleetResult } from '@osprey/agent';
import type { Locator } from 'playwright-core';
import { ADMIN_USER, consoleForFile, type Page } from '../../testkit/browser.js';
import { restClient, TEST_ADMIN } from '../../testkit/rest.js';
import { tempDirForFile } from '../../testkit/temp-dir.js';

const GATEWAY_TOKEN = randomBytes(16).toString('hex');
const FAILING = 'flow-004';
const devicesDir = tempDirForFile('osprey-console-flow-');

describe('console: the release and rollout flow', () => {
  const h = consoleForFile({ overrides: { rolloutTickMs: 200 } });
  const api = restClient(() => h().url, TEST_ADMIN);
  const stop = new AbortController();
  let fleet: Promise<SimulatedFleetResult> | undefined;
  const fleetOptions = () => ({
    server: h().url,
    count: 4,
    idPrefix: 'flow-',
    gatewayToken: GATEWAY_TOKEN,
    workDir: devicesDir,
    pollMs: 300,
    healthCheckOf: (id: string) => (id === FAILING ? async () => ({ ok: false as const, reason: 'the gateway service did not start' }) : undefined),
  });

  beforeAll(async () => {
    for (const [key, value] of [
      ['authentication.gatewaytoken.enabled', true],
      ['authentication.gatewaytoken.key', GATEWAY_TOKEN],
      ['device.publickey.selfregister.enabled', true],
    ] as const) {
      expect((await api('PUT', `/system/configs/${key}`, { value })).status).toBe(200);
    }
    // The devices register themselves (one poll each) and then wait for work.
    await runSimulatedFleet({ ...fleetOptions(), until: () => true });
  }, 120_000);
  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') await h().screenshot(`flow-failed-${task.name.slice(0, 30).replace(/[^A-Za-z0-9]+/g, '-')}`);
  });
  afterAll(async () => {
    stop.abort();
    await fleet;
  });

  /** Picks `text` in a server-searched select labelled `label`. */
  async function choose(page: Page, scope: Locator, label: string | RegExp, search: string, option: string | RegExp) {
    const input = scope
      .getByRole('textbox', { name: label })
      .or(scope.getByRole('combobox', { name: label }))
      .first();
    await input.click();
    await input.fill(search);
    await page.getByRole('option', { name: option }).first().click();
  }

  let setId = '';
  let rolloutPath = '';

  it('uploads an artifact with a progress bar, creates a set and publishes its release', async () => {
    const { page } = h();
    await h().signIn(ADMIN_USER.username, ADMIN_USER.password);

    await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Software' }).click();
    await page.getByRole('button', { name: 'New software module' }).click();
    const moduleDialog = page.getByRole('dialog', { name: 'New software module' });
    await moduleDialog.getByLabel(/^Name/).fill('flow-os');
    await moduleDialog.getByLabel(/^Version/).fill('2.0.0');
    await choose(page, moduleDialog, /^Type/, 'os', /\(os\)/);
    await moduleDialog.getByLabel('Encrypt its artifacts').check();
    await moduleDialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/software\/\d+$/);

    await page.getByLabel('Artifact file').setInputFiles({ name: 'flow-os.img', mimeType: 'application/octet-stream', buffer: randomBytes(4 * 1024 * 1024) });
    await page.getByRole('button', { name: 'Upload' }).click();
    // The bar is there from the first byte (at 0 % its section has no width, so "attached", not "visible").
    await page.getByRole('progressbar', { name: 'upload progress' }).waitFor({ state: 'attached' });
    await h().screenshot('flow-1-upload');
    await page.getByRole('cell', { name: 'flow-os.img' }).first().waitFor({ timeout: 60_000 });
    await h().screenshot('flow-2-module');
    expect((await h().axe()).map((f) => f.summary)).toEqual([]);

    await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Distribution sets' }).click();
    await page.getByRole('button', { name: 'New distribution set' }).click();
    const setDialog = page.getByRole('dialog', { name: /New distribution set/ });
    await setDialog.getByLabel(/^Name/).fill('flow-os');
    await setDialog.getByLabel(/^Version/).fill('2.0.0');
    await choose(page, setDialog, /^Type/, 'os', /\(os\)/);
    await choose(page, setDialog, /^Modules/, 'flow', /flow-os/);
    await setDialog.getByRole('button', { name: 'Create' }).click();
    await page.waitForURL(/\/distributionsets\/\d+$/);
    setId = page.url().split('/').at(-1)!;

    await page.getByRole('button', { name: 'Publish release' }).click();
    const publish = page.getByRole('dialog', { name: /release/i });
    await publish.getByLabel(/^Security version/).fill('2');
    await publish.getByLabel(/^Hardware/).fill('board-a');
    await publish.getByRole('button', { name: /^Publish/ }).click();
    await page
      .getByText(/released/i)
      .first()
      .waitFor();
    await h().screenshot('flow-3-released');
    const release = await api('GET', `/distributionsets/${setId}/release`);
    expect(release.status).toBe(200);
    expect(release.json).toMatchObject({ state: 'released', releasedBy: 'user:admin', targets: [{ filename: 'flow-os.img', path: 'flow-os-2.0.0.age' }] });
  });

  it('creates and starts a rollout, pauses and resumes it, and watches it finish live', async () => {
    const { page } = h();
    await page.getByRole('navigation', { name: 'sections' }).getByRole('link', { name: 'Rollouts' }).click();
    await page.getByRole('button', { name: 'New rollout' }).click();
    await page.getByLabel(/^Name/).fill('flow-os 2.0.0');
    await choose(page, page.locator('main'), /^Distribution set/, 'flow', /flow-os/);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel(/^Target filter \(RSQL\)/).fill('controllerId==flow-*');
    await page.getByText('4 matching devices').waitFor();
    await h().screenshot('flow-4-wizard-filter');
    // Groups, thresholds, rate, start: the wizard's defaults (one group; errors tolerated up to the default threshold).
    for (let step = 0; step < 5 && !(await page.getByRole('button', { name: 'Create rollout' }).isVisible()); step++) {
      await page.getByRole('button', { name: 'Next' }).click();
    }
    await page.getByRole('button', { name: 'Create rollout' }).click();
    await page.getByRole('heading', { level: 1, name: 'flow-os 2.0.0' }).waitFor();
    rolloutPath = new URL(page.url()).pathname;
    const status = page.getByTestId('rollout-status');
    await status.filter({ hasText: /ready/i }).waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Start' }).click();
    await status.filter({ hasText: /running/i }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    await status.filter({ hasText: /paused/i }).waitFor({ timeout: 30_000 });
    await h().screenshot('flow-5-paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    await status.filter({ hasText: /running/i }).waitFor({ timeout: 30_000 });

    // The devices work now; the page follows over the live channel (no reload, no navigation).
    fleet = runSimulatedFleet({ ...fleetOptions(), signal: stop.signal, durationMs: 240_000 });
    const urlBefore = page.url();
    await status.filter({ hasText: /finished/i }).waitFor({ timeout: 180_000 });
    expect(page.url()).toBe(urlBefore);
    await h().screenshot('flow-6-finished');
    expect((await h().axe()).map((f) => f.summary)).toEqual([]);
    const rollout = await api('GET', rolloutPath.replace(/^\/rollouts/, '/rollouts'));
    expect(rollout.json.status).toBe('finished');
    expect(rollout.json.totalTargetsPerStatus).toMatchObject({ finished: 3, error: 1 });
  });

  it('opens the failed device and reads its status messages', async () => {
    const { page } = h();
    await page.goto(`${h().url}/devices/${FAILING}`);
    await page.getByRole('heading', { level: 1, name: FAILING }).waitFor();
    await page
      .getByRole('button', { name: /^Messages of action/ })
      .first()
      .click();
    const drawer = page.getByRole('dialog');
    await drawer
      .getByText(/the gateway service did not start/)
      .first()
      .waitFor();
    await h().screenshot('flow-7-failed-device');
    expect((await h().axe()).map((f) => f.summary)).toEqual([]);
  });

  it('shows a viewer what it may not do, in words', async () => {
    expect((await api('POST', '/users', { username: 'viewer', password: 'viewer-password-1', roles: ['VIEWER'] })).status).toBe(201);
    const page = await h().newPage();
    await h().signIn('viewer', 'viewer-password-1', { page });
    // The device page: its controls are there, unusable, and say which permission they need.
    await page.goto(`${h().url}/devices/${FAILING}`);
    await page.getByRole('heading', { level: 1, name: FAILING }).waitFor();
    const remove = page.getByRole('button', { name: 'Delete device' });
    expect(await remove.isDisabled()).toBe(true);
    await remove.hover({ force: true });
    await page
      .getByText(/DELETE_TARGET/)
      .first()
      .waitFor();
    // The rollout's page: readable, its controls unusable.
    await page.goto(`${h().url}${rolloutPath}`);
    await page.getByRole('heading', { level: 1, name: 'flow-os 2.0.0' }).waitFor();
    expect(await page.getByRole('button', { name: 'Resume' }).isDisabled()).toBe(true);
    await h().screenshot('flow-8-viewer', page);
  });
});
