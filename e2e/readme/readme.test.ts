/**
 * The README is executable: every ```sh block of README.md runs, in order, in a fresh copy of this
 * checkout (scripts/readme.ts) — `npm ci && npm start`, the first hour against that server (login,
 * release pipeline, three simulated devices updated, audit verified) and the offline tour.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runReadme } from '../../scripts/readme.js';

const repository = join(import.meta.dirname, '..', '..');

it('every README command works as written on a fresh copy', { timeout: 330_000 }, async () => {
  const outputs = await runReadme(repository);
  const all = outputs.map((o) => o.output).join('\n');
  expect(all).toContain('(not run here: npm test includes this README test)');
  // The simulated devices installed the release, and the audit chain of it all verified.
  expect(all).toMatch(/sim-001: reported committed/);
  expect(all).toMatch(/"total":3/);
  expect(all).toMatch(/"ok": true/);
  expect(all).toMatch(/"verified": true/);
});
