/**
 * `npm run bench -- console [--devices N (100000)] [--rounds N (9)]`
 *
 * The operator console with a large fleet, in Debian's Chromium (testkit/chromium.ts): one Osprey
 * server (PGlite on disk, in a child process of its own so its peak RSS is its own) with N targets
 * registered by ONE `INSERT … SELECT generate_series` (bench/ddi-server-child.ts, as the ddi and
 * fleet benchmarks seed), serving the built console (packages/web/dist). The console is signed in
 * once; then, alternating with the baseline in every round:
 *
 *   (a) open /devices (a full navigation, assets from the browser's cache as for a returning
 *       operator) until the first rows of the table captioned "devices" are rendered;
 *   (b) type an RSQL filter into the field labelled "Filter (RSQL)" and press Enter, until the
 *       table's rows are the filtered ones.
 *
 * Baseline, in the same run and the same tab: a tiny static page of the same origin (no
 * framework) that fetches the same API page with the same session and renders it as a plain HTML
 * table, with the same caption, field and Enter. Both are timed by the page itself
 * (performance.now(): from the navigation's start, or from the Enter keydown, to the animation
 * frame after the rows are in the DOM), never from the driving process. Printed: median and p95 of
 * each, the ratios console/baseline, the server's peak RSS, and the gzipped size of the JavaScript
 * that index.html loads first. Nothing is asserted.
 *
 * Selectors it relies on (the devices page's fixed names): the table caption "devices", rows in
 * its tbody, the search field labelled "Filter (RSQL)" applying on Enter.
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { launchChromium } from '../testkit/chromium.js';
import { kibToMB, median, parseOrExplain, positive, REPO_ROOT, round1, scratchDir, startReadyChild, stopChild, transpileChild } from './common.js';
import type { OspreyReady, OspreySpec } from './ddi-common.js';
import { peakRssOfPid } from './peak-rss.js';

const USAGE = 'usage: npm run bench -- console [--devices N (100000)] [--rounds N (9)]';
const CONSOLE_DIST = join(REPO_ROOT, 'packages', 'web', 'dist');
const CAPTION = 'devices';
const FILTER_LABEL = 'Filter (RSQL)';
/** How long to wait for a devices table before concluding the page has none (yet). */
const TABLE_TIMEOUT_MS = 30_000;

interface Options {
  devices: number;
  rounds: number;
}

function parseOptions(args: string[]): Options | undefined {
  const { values } = parseArgs({
    args,
    strict: true,
    allowPositionals: false,
    options: {
      devices: { type: 'string', default: '100000' },
      rounds: { type: 'string', default: '9' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return undefined;
  return { devices: positive(values.devices.replaceAll('_', ''), '--devices', true), rounds: positive(values.rounds, '--rounds', true) };
}

/**
 * Runs in every page before its own scripts: notes (window.__rowsAt, ms since the navigation
 * started) the animation frame after the devices table first has rows, and for a filter
 * (window.__benchFilter()) the frame after its rows changed, from the Enter keydown.
 */
const PAGE_PROBE = `(() => {
  const CAPTION = ${JSON.stringify(CAPTION)};
  const table = () => [...document.querySelectorAll('table')].find((t) => t.caption && t.caption.textContent.trim() === CAPTION);
  const rowsText = () => { const t = table(); const b = t && t.tBodies[0]; return b && b.rows.length > 0 && t.getAttribute('aria-busy') !== 'true' ? b.innerText : ''; };
  let watching = null;
  const check = () => {
    const text = rowsText();
    if (window.__rowsAt === undefined && text) requestAnimationFrame(() => { if (window.__rowsAt === undefined) window.__rowsAt = performance.now(); });
    if (watching && watching.t0 !== undefined && text && text !== watching.before) {
      const w = watching; watching = null;
      requestAnimationFrame(() => { w.resolve(performance.now() - w.t0); });
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ['aria-busy'] });
  document.addEventListener('keydown', (e) => { if (e.key === 'Enter' && watching && watching.t0 === undefined) watching.t0 = performance.now(); }, true);
  window.__benchFilter = () => new Promise((resolve) => { watching = { before: rowsText(), t0: undefined, resolve }; });
})();`;

/** The baseline: the same API page as a plain table, with the same session, caption and field. */
function baselinePage(query: URLSearchParams): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>baseline</title></head><body>
<form id="f"><label for="q">${FILTER_LABEL}</label><input id="q" name="q"></form>
<table><caption>${CAPTION}</caption><thead><tr><th>controller id</th><th>name</th><th>status</th><th>last poll</th></tr></thead><tbody></tbody></table>
<script>
const params = new URLSearchParams(${JSON.stringify(query.toString())});
const token = JSON.parse(sessionStorage.getItem('osprey.session')).token;
async function load(q) {
  if (q) params.set('q', q); else params.delete('q');
  const res = await fetch('/rest/v1/targets?' + params, { headers: { authorization: 'Bearer ' + token } });
  const page = await res.json();
  const body = document.createElement('tbody');
  for (const t of page.content) {
    const tr = body.insertRow();
    for (const v of [t.controllerId, t.name, t.updateStatus, t.pollStatus && t.pollStatus.lastRequestAt]) tr.insertCell().textContent = v == null ? '' : String(v);
  }
  document.querySelector('tbody').replaceWith(body);
}
document.getElementById('f').addEventListener('submit', (e) => { e.preventDefault(); void load(document.getElementById('q').value); });
void load('');
</script></body></html>`;
}

/** The start of index.html's own scripts: the entry module and what it preloads, gzipped. */
function initialJs(): { files: string[]; bytes: number; gzipBytes: number } {
  const html = readFileSync(join(CONSOLE_DIST, 'index.html'), 'utf8');
  const refs = [
    ...[...html.matchAll(/<script[^>]+type="module"[^>]*src="([^"]+)"/g)].map((m) => m[1]!),
    ...[...html.matchAll(/<link[^>]+rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => m[1]!),
  ];
  let bytes = 0;
  let gzipBytes = 0;
  for (const ref of refs) {
    const content = readFileSync(join(CONSOLE_DIST, ref.replace(/^\//, '')));
    bytes += content.length;
    gzipBytes += gzipSync(content, { level: 9 }).length;
  }
  return { files: refs, bytes, gzipBytes };
}

const p95 = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
};

/** Opens `url` and returns ms from the navigation's start to the frame after the first rows. */
async function openUntilRows(page: Page, url: string): Promise<number> {
  await page.goto(url);
  // A function, not a string: the console's Content-Security-Policy forbids evaluating strings.
  const handle = await page.waitForFunction(() => (globalThis as { __rowsAt?: number }).__rowsAt, undefined, { timeout: TABLE_TIMEOUT_MS });
  return Number(await handle.jsonValue());
}

/** Types `rsql` into the filter field and presses Enter; ms from the keydown to the frame after the new rows. */
async function filterUntilRows(page: Page, rsql: string): Promise<number> {
  const field = page.getByLabel(FILTER_LABEL);
  await field.fill(rsql);
  // void: evaluate would otherwise wait for the promise (for the Enter not pressed yet).
  await page.evaluate('void (window.__benchDone = window.__benchFilter())');
  await field.press('Enter');
  // evaluate awaits the page's promise; bounded, in case the rows never change.
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the rows did not change within ${TABLE_TIMEOUT_MS} ms of filtering ${rsql}`)), TABLE_TIMEOUT_MS);
  });
  try {
    return Number(await Promise.race([page.evaluate('window.__benchDone'), timeout]));
  } finally {
    clearTimeout(timer);
  }
}

export async function main(args: string[]): Promise<void> {
  const o = parseOrExplain(parseOptions, USAGE, args);
  if (!o) return;
  if (!existsSync(join(CONSOLE_DIST, 'index.html'))) throw new Error('the console is not built (packages/web/dist): run npm run build');
  const { dir, release } = scratchDir('console-');
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let server: { child: ChildProcess; ready: OspreyReady } | undefined;
  try {
    const jsDir = join(dir, 'js');
    mkdirSync(jsDir);
    const serverJs = await transpileChild(join(fileURLToPath(new URL('.', import.meta.url)), 'ddi-server-child.ts'), jsDir);
    console.log(`console: starting the server (PGlite on disk) and registering ${o.devices.toLocaleString('en')} devices ...`);
    server = await startReadyChild<OspreyReady>(serverJs, [
      'osprey',
      JSON.stringify({
        phase: 'init',
        dataDir: join(dir, 'data'),
        devices: o.devices,
        tokenKey: 'console-bench',
        requestAttributes: false,
        consoleDir: CONSOLE_DIST,
      } satisfies OspreySpec),
    ]);
    const { url, pid } = server.ready;
    console.log(`console: ${server.ready.targetsInDb.toLocaleString('en')} targets after ${server.ready.startSeconds.toFixed(1)} s; Chromium ...`);

    chromium = await launchChromium();
    const page = chromium.browser.pages()[0] ?? (await chromium.browser.newPage());
    await page.addInitScript(PAGE_PROBE);
    // The console's own request for the first page of targets: the baseline asks for the same.
    let consoleQuery: URLSearchParams | undefined;
    page.on('request', (request) => {
      const u = new URL(request.url());
      if (!consoleQuery && u.pathname === '/rest/v1/targets' && !u.searchParams.has('q')) consoleQuery = u.searchParams;
    });
    await page.route(`${url}/bench-baseline.html`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html; charset=utf-8',
        body: baselinePage(consoleQuery ?? new URLSearchParams({ offset: '0', limit: '25' })),
      }),
    );

    await page.goto(url);
    const form = page.getByRole('form', { name: 'sign in' });
    await form.getByLabel('User name').fill('admin');
    await form.getByLabel(/^Password/).fill('bench-admin-password');
    await form.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'sections' }).waitFor();

    // A first, unmeasured visit: warms the browser's cache and the server, and says whether the page has the table.
    let hasTable = true;
    try {
      await openUntilRows(page, `${url}/devices`);
    } catch {
      hasTable = false;
      const alerts = await page.getByRole('alert').allInnerTexts();
      if (alerts.length) console.log(`console: /devices says: ${alerts.join(' | ').replace(/\s+/g, ' ')}`);
      await page.screenshot({ path: '/tmp/harness-bench-devices.png' });
    }
    const hasFilter = hasTable && (await page.getByLabel(FILTER_LABEL).count()) > 0;
    if (!hasTable)
      console.log(`console: /devices shows no table captioned "${CAPTION}" with rows (the devices page is not built yet?): measuring the baseline only`);
    else if (!hasFilter) console.log(`console: /devices has no field labelled "${FILTER_LABEL}": measuring navigation only`);
    await openUntilRows(page, `${url}/bench-baseline.html`);

    const sides = ['console', 'baseline'] as const;
    const openMs: Record<(typeof sides)[number], number[]> = { console: [], baseline: [] };
    const filterMs: Record<(typeof sides)[number], number[]> = { console: [], baseline: [] };
    for (let round = 0; round < o.rounds; round++) {
      // Filters that match different devices each round (poll-1…, poll-2…): a LIKE over the fleet.
      const rsql = `controllerId==poll-${(round % 9) + 1}*`;
      const order = round % 2 === 0 ? sides : ([sides[1], sides[0]] as const);
      for (const side of order) {
        if (side === 'console' && !hasTable) continue;
        const target = side === 'console' ? `${url}/devices` : `${url}/bench-baseline.html`;
        const opened = await openUntilRows(page, target);
        openMs[side].push(opened);
        let filtered: number | undefined;
        if (side === 'baseline' || hasFilter) {
          filtered = await filterUntilRows(page, rsql);
          filterMs[side].push(filtered);
        }
        console.log(
          `  round ${round + 1}/${o.rounds} ${side.padEnd(8)} open ${opened.toFixed(1).padStart(7)} ms${filtered === undefined ? '' : `   filter ${filtered.toFixed(1).padStart(7)} ms  (${rsql})`}`,
        );
      }
    }

    const peakKiB = peakRssOfPid(pid);
    const js = initialJs();
    const stat = (values: number[]) => (values.length ? { median: round1(median(values)), p95: round1(p95(values)), n: values.length } : null);
    const figures = {
      open: { console: stat(openMs.console), baseline: stat(openMs.baseline) },
      filter: { console: stat(filterMs.console), baseline: stat(filterMs.baseline) },
    };
    const ratio = (a: { median: number } | null, b: { median: number } | null) => (a && b ? Math.round((a.median / b.median) * 100) / 100 : null);
    const fmt = (s: { median: number; p95: number; n: number } | null) =>
      s ? `median ${s.median.toFixed(1).padStart(7)} ms  p95 ${s.p95.toFixed(1).padStart(7)} ms  (n=${s.n})` : 'not measured';
    const load1 = loadavg()[0]!;
    console.log(
      [
        '',
        `console benchmark  node ${process.version}  ${cpus().length} x ${cpus()[0]?.model ?? '?'}  load average ${load1.toFixed(1)} (shared machine)  ${o.devices.toLocaleString('en')} targets, PGlite`,
        `  (a) open /devices until rows    console  ${fmt(figures.open.console)}`,
        `                                  baseline ${fmt(figures.open.baseline)}   ratio ${ratio(figures.open.console, figures.open.baseline) ?? 'n/a'}`,
        `  (b) RSQL filter until new rows  console  ${fmt(figures.filter.console)}`,
        `                                  baseline ${fmt(figures.filter.baseline)}   ratio ${ratio(figures.filter.console, figures.filter.baseline) ?? 'n/a'}`,
        `  server peak RSS (VmHWM) ${peakKiB === undefined ? '?' : round1(kibToMB(peakKiB))} MB`,
        `  initial JS (${js.files.join(', ')}): ${(js.bytes / 1024).toFixed(1)} KiB, ${(js.gzipBytes / 1024).toFixed(1)} KiB gzipped`,
      ].join('\n'),
    );
    const result = {
      benchmark: 'console',
      node: process.version,
      cpus: cpus().length,
      loadAverage1m: round1(load1),
      devices: o.devices,
      rounds: o.rounds,
      devicesPageMeasured: hasTable,
      filterMeasured: hasFilter,
      ...figures,
      openRatio: ratio(figures.open.console, figures.open.baseline),
      filterRatio: ratio(figures.filter.console, figures.filter.baseline),
      serverPeakRssMB: peakKiB === undefined ? null : round1(kibToMB(peakKiB)),
      initialJs: { files: js.files, bytes: js.bytes, gzipBytes: js.gzipBytes },
    };
    console.log(`result: ${JSON.stringify(result)}`);
  } finally {
    await chromium?.close();
    if (server) await stopChild(server.child);
    release();
  }
}
