/**
 * Issue 12: a stored artifact changed, cut short or removed on disk is never served as if
 * intact. A full download is hashed as it streams and is cut before its last byte on a
 * mismatch; a blob of another length than recorded, or a missing one, is refused with 503 and
 * `osprey.server.error.artifact.damaged` before any length is announced. Real server (PGlite),
 * real HTTP, real files.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '@osprey/server';
import { formatScrubReport, scrubArtifacts } from '../../src/domain/scrub.js';
import { restClient, TEST_ADMIN } from '../../../../testkit/rest.js';
import { sha256Hex } from '../../../../testkit/hash.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';

const files = mkdtempSync(join(tmpdir(), 'osprey-integrity-files-'));
afterAll(() => rmSync(files, { recursive: true, force: true }));
const NAMES = ['intact', 'flipped', 'truncated', 'deleted'] as const;
type Name = (typeof NAMES)[number];
const images = Object.fromEntries(NAMES.map((n) => [n, randomBytes(600_000)])) as Record<Name, Buffer>;
for (const n of NAMES) writeFileSync(join(files, `${n}.bin`), images[n]);

describe('artifact integrity on pglite', () => {
  let server: TestServer;
  const modules = {} as Record<Name, { moduleId: number; artifactId: number }>;

  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
    await seed(server.database.db, server.blobs, server.keys, {
      targets: NAMES.map((n) => ({ controllerId: `dev-${n}`, securityToken: `token-${n}-abcdef` })),
      modules: NAMES.map((n) => ({ key: n, type: 'os', name: `fw-${n}`, version: '1', artifacts: [{ file: join(files, `${n}.bin`), filename: `${n}.bin` }] })),
      distributionSets: NAMES.map((n) => ({ key: n, name: `ds-${n}`, version: '1', modules: [n] })),
      assignments: NAMES.map((n) => ({ target: `dev-${n}`, ds: n, type: 'forced' as const })),
    });
    for (const n of NAMES) {
      const row = await server.database.db.selectFrom('artifacts').select(['id', 'module_id']).where('filename', '=', `${n}.bin`).executeTakeFirstOrThrow();
      modules[n] = { moduleId: row.module_id, artifactId: row.id };
    }
    await server.ddi.settle();
  });
  afterAll(() => server?.stop());

  const api = restClient(() => server.url, TEST_ADMIN);
  const blobPath = (n: Name) => {
    const sha = sha256Hex(images[n]);
    return join(server.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
  };
  const ddiUrl = (n: Name) => `${server.url}/DEFAULT/controller/v1/dev-${n}/softwaremodules/${modules[n].moduleId}/artifacts/${n}.bin`;
  const ddi = (n: Name, init: RequestInit = {}) =>
    fetch(ddiUrl(n), { ...init, headers: { authorization: `TargetToken token-${n}-abcdef`, ...(init.headers as Record<string, string>) } });
  const mgmtPath = (n: Name) => `/softwaremodules/${modules[n].moduleId}/artifacts/${modules[n].artifactId}/download`;
  /** The whole body, or the error that cut it. */
  const readAll = async (res: Response): Promise<Buffer | Error> => {
    try {
      return Buffer.from(await res.arrayBuffer());
    } catch (e) {
      return e as Error;
    }
  };

  it('serves an intact artifact whole, over DDI and the management API', async () => {
    const res = await ddi('intact');
    expect(res.status).toBe(200);
    expect(await readAll(res)).toEqual(images.intact);
    const mgmt = await api('GET', mgmtPath('intact'));
    expect(mgmt.status).toBe(200);
    expect(mgmt.bytes).toEqual(images.intact);
  });

  it('cuts a full download of a blob with a changed byte before it completes', async () => {
    const bytes = readFileSync(blobPath('flipped'));
    bytes[bytes.length - 10]! ^= 0xff; // near the end: everything before it has already been sent
    writeFileSync(blobPath('flipped'), bytes);

    const res = await ddi('flipped');
    expect(res.status).toBe(200); // the length is right: only hashing can tell, and it cuts the stream
    const body = await readAll(res);
    expect(body).toBeInstanceOf(Error);

    const mgmt = await fetch(`${server.url}/rest/v1${mgmtPath('flipped')}`, { headers: { authorization: TEST_ADMIN } });
    expect(await readAll(mgmt)).toBeInstanceOf(Error);

    // Recorded (after the cut, so poll for it), audited as system:integrity, shown and then refused everywhere.
    const shown = async () => (await api('GET', `/softwaremodules/${modules.flipped.moduleId}/artifacts/${modules.flipped.artifactId}`)).json;
    for (let i = 0; i < 100 && (await shown()).damaged !== true; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await shown()).toMatchObject({ damaged: true, damage: 'hash' });
    const audit = await server.database.db.selectFrom('audit_log').selectAll().where('action', '=', 'artifact.damaged').execute();
    expect(audit.map((a) => [a.actor, a.subject_id])).toEqual([['system:integrity', String(modules.flipped.artifactId)]]);
    const again = await ddi('flipped');
    expect(again.status).toBe(503);
    expect(((await again.json()) as { message: string }).message).toMatch(/does not match its SHA-256/);
    expect((await api('GET', mgmtPath('flipped'))).status).toBe(503);
  });

  it('never announces a truncated blob at its full length', async () => {
    truncateSync(blobPath('truncated'), 1000);
    for (const init of [{}, { method: 'HEAD' }, { headers: { range: 'bytes=0-99' } }, { headers: { range: 'bytes=0-9,20-29' } }]) {
      const res = await ddi('truncated', init);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-length')).not.toBe(String(images.truncated.length));
      if (init.method !== 'HEAD') expect(((await res.json()) as { errorCode: string }).errorCode).toBe('osprey.server.error.artifact.damaged');
    }
    const mgmt = await api('GET', mgmtPath('truncated'));
    expect(mgmt.status).toBe(503);
    expect(mgmt.json.errorCode).toBe('osprey.server.error.artifact.damaged');
    expect(mgmt.json.message).toMatch(/another length/);
  });

  it('answers a deleted blob with 503 and an error code, not 500', async () => {
    rmSync(blobPath('deleted'));
    const res = await ddi('deleted');
    expect(res.status).toBe(503);
    const body = (await res.json()) as { errorCode: string; message: string };
    expect(body.errorCode).toBe('osprey.server.error.artifact.damaged');
    expect(body.message).toMatch(/missing/);
    const mgmt = await api('GET', mgmtPath('deleted'));
    expect(mgmt.status).toBe(503);
    expect(mgmt.json.errorCode).toBe('osprey.server.error.artifact.damaged');
  });

  // Runs after the three damages above (vitest keeps the order of a file's tests).
  it('scrub finds the changed, the truncated and the deleted blob, and only those', async () => {
    const report = await scrubArtifacts(server.database.db, server.blobs, server.management.changes);
    expect(report.artifacts).toBe(4);
    expect(report.damaged.map((d) => [d.filename, d.damage])).toEqual([
      ['flipped.bin', 'hash'],
      ['truncated.bin', 'size'],
      ['deleted.bin', 'missing'],
    ]);
    const text = formatScrubReport(report);
    expect(text).toContain(`damaged: tenant DEFAULT artifact ${modules.flipped.artifactId} (module ${modules.flipped.moduleId}, flipped.bin): hash`);
    expect(text.trimEnd().split('\n').at(-1)).toBe('scrub: 4 artifacts in 4 blobs checked, 3 damaged');
    // The deleted one was only ever refused over DDI (which does not record); scrub recorded it.
    const deleted = (await api('GET', `/softwaremodules/${modules.deleted.moduleId}/artifacts/${modules.deleted.artifactId}`)).json;
    expect(deleted).toMatchObject({ damaged: true, damage: 'missing' });
    const intact = (await api('GET', `/softwaremodules/${modules.intact.moduleId}/artifacts/${modules.intact.artifactId}`)).json;
    expect(intact.damaged).toBeUndefined();
  });
});
