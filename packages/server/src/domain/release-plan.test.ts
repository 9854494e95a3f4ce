/** Release planning on its own: which targets a set's artifacts become, and when a set may be released. */
import { buildTargets, expiresAfter, releaseCustomOf } from '@osprey/core';
import { describe, expect, it } from 'vitest';
import type { ReleaseArtifactRow } from '../db/stores/releases.js';
import { ServerError } from '../errors.js';
import { assertReleasable, planTargets, releaseStateOf } from './release-plan.js';

const REQUEST = { securityVersion: 3, hardware: ['board-a'] };
const SHA = (c: string) => c.repeat(64);

function row(overrides: Partial<ReleaseArtifactRow> = {}): ReleaseArtifactRow {
  return {
    module_id: 1,
    module_name: 'gw-os',
    module_version: '1.0.0',
    id: 10,
    filename: 'gw-os.img',
    size: 100,
    sha256: SHA('a'),
    escrow_header: null,
    plaintext_size: null,
    plaintext_sha256: null,
    tuf_target: null,
    ...overrides,
  };
}
const encrypted = (overrides: Partial<ReleaseArtifactRow> = {}) =>
  row({ escrow_header: Buffer.from('age header'), plaintext_size: 80, plaintext_sha256: SHA('b'), ...overrides });

function conflictOf(work: () => unknown): string {
  try {
    work();
  } catch (e) {
    if (e instanceof ServerError && e.status === 409) return e.message;
    throw e;
  }
  throw new Error('expected a 409');
}

describe('planning the targets of a release', () => {
  it.each([
    ['one plain artifact', [row()], ['gw-os-1.0.0.img']],
    ['one encrypted artifact', [encrypted()], ['gw-os-1.0.0.age']],
    ['several artifacts', [row(), row({ id: 11, filename: 'config.json', sha256: SHA('c') })], ['gw-os-1.0.0-gw-os.img', 'gw-os-1.0.0-config.json']],
  ])('names %s', (_case, rows, paths) => {
    expect(planTargets(rows, 7, REQUEST, undefined).map((p) => p.info.path)).toEqual(paths);
  });

  it('signs the request and the plaintext into the custom metadata (an encrypted artifact: its plaintext, not the payload)', () => {
    const [planned] = planTargets([encrypted()], 7, { ...REQUEST, installType: 'archive' }, undefined);
    expect(releaseCustomOf(planned!.target)).toMatchObject({
      name: 'gw-os',
      version: '1.0.0',
      securityVersion: 3,
      hardware: ['board-a'],
      installType: 'archive',
      plaintext: { length: 80, sha256: SHA('b') },
      encryption: { format: 'age-v1' },
    });
    expect({ length: planned!.target.length, sha256: planned!.target.hashes.sha256 }).toEqual({ length: 100, sha256: SHA('a') });
  });

  it('keeps a target released before with the same bytes and metadata, and does not register it again', () => {
    const [first] = planTargets([row()], 7, REQUEST, undefined);
    const current = buildTargets(2, expiresAfter(new Date(), 90), [first!.target]);
    expect(planTargets([row({ tuf_target: 'gw-os-1.0.0.img' })], 7, REQUEST, current).map((p) => p.info.existing)).toEqual([true]);
    // Same path, same bytes, same metadata, not yet recorded on the artifact: still the same target.
    expect(planTargets([row()], 7, REQUEST, current).map((p) => p.info.existing)).toEqual([true]);
  });

  it.each<[string, ReleaseArtifactRow[], (rows: ReleaseArtifactRow[]) => Parameters<typeof planTargets>[3], RegExp]>([
    ['no artifacts', [], () => undefined, /has no artifacts to release/],
    ['an encrypted artifact without its plaintext hash', [encrypted({ plaintext_sha256: null })], () => undefined, /plaintext length and hash are unknown/],
    ['two artifacts with one path', [row({ module_id: 1 }), row({ id: 11, module_id: 1 })], () => undefined, /would both be TUF target gw-os-1.0.0-gw-os.img/],
    [
      'a path released with other content',
      [row({ sha256: SHA('d') })],
      () => buildTargets(2, expiresAfter(new Date(), 90), [planTargets([row()], 7, REQUEST, undefined)[0]!.target]),
      /already released with other content or metadata; releases are immutable/,
    ],
  ])('refuses %s', (_case, rows, current, message) => {
    expect(conflictOf(() => planTargets(rows, 7, REQUEST, current(rows)))).toMatch(message);
  });
});

describe('whether a set may be released', () => {
  const pendingTargets = buildTargets(4, expiresAfter(new Date(), 90), []);
  const set = (release_state: 'draft' | 'pending_approval' | 'released', release_requested_by: string | null = null) => ({
    id: 7,
    release_state,
    release_requested_by,
  });
  const awaiting = { targetsVersion: 4, releases: [{ dsId: 7, authorizedBy: 'user:a', artifacts: [] }] };

  it.each([
    ['draft', set('draft'), {}, 'draft'],
    ['pending approval', set('pending_approval'), {}, 'pending_approval'],
    ['released', set('released'), {}, 'released'],
    ['awaiting the offline signature', set('draft'), { pendingRelease: awaiting }, 'pending_signature'],
  ] as const)('%s', (_case, ds, repository, state) => {
    expect(releaseStateOf(ds, 'pendingRelease' in repository ? repository.pendingRelease : undefined, 7)).toBe(state);
  });

  it.each([
    ['releasing a released set', set('released'), {}, 'draft', /released already/],
    [
      'releasing a set awaiting the offline signature',
      set('draft'),
      { pending: pendingTargets, pendingRelease: awaiting },
      'draft',
      /awaits the offline targets signature \(targets v4\)/,
    ],
    ['releasing a set awaiting approval', set('pending_approval', 'user:carol'), {}, 'draft', /requested by user:carol and awaits approval/],
    ['approving what nobody requested', set('draft'), {}, 'pending_approval', /has not been requested/],
    [
      'releasing while other targets await the offline key',
      set('draft'),
      { pending: pendingTargets },
      'draft',
      /targets v4 awaits the offline targets signature/,
    ],
  ] as const)('refuses %s', (_case, ds, repository, expected, message) => {
    expect(conflictOf(() => assertReleasable(ds, repository, expected))).toMatch(message);
  });

  it('lets a draft be released and a requested one be approved', () => {
    expect(() => assertReleasable(set('draft'), {}, 'draft')).not.toThrow();
    expect(() => assertReleasable(set('pending_approval', 'user:carol'), {}, 'pending_approval')).not.toThrow();
  });
});
