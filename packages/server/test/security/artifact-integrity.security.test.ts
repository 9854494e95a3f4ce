/**
 * Issue 12: a stored artifact changed, cut short or removed on disk is never served as if
 * intact. A full download is hashed as it streams and is cut before its last byte on a
 * mismatch; a blob of another length than recorded, or a missing one, is refused with 503 and
 * `osprey.server.error.artifact.damaged` before any length is announced. Whoever meets the damage
 * first (a device, an operator, the scrub) records it: the artifact is no longer offered in a
 * deployment, the error log names it, and `osprey_artifacts_damaged_total` counts it. Real server
 * (PGlite), real HTTP, real files.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, truncateSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
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
  const logLines: Array<Record<string, unknown>> = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });

  beforeAll(async () => {
    server = await startTestServer('pglite', { logLevel: 'error' }, { listen: true, logStream });
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

  /** The artifact file names the device's deployment offers. */
  const offered = async (n: Name): Promise<string[]> => {
    const auth = { authorization: `TargetToken token-${n}-abcdef` };
    const poll = (await (await fetch(`${server.url}/DEFAULT/controller/v1/dev-${n}`, { headers: auth })).json()) as any;
    const deployment = (await (await fetch(poll._links.deploymentBase.href, { headers: auth })).json()) as any;
    return deployment.deployment.chunks.flatMap((c: any) => c.artifacts.map((a: any) => a.filename));
  };

  it('cuts a full download of a blob with a changed byte before it completes', async () => {
    expect(await offered('flipped')).toEqual(['flipped.bin']);
    const bytes = readFileSync(blobPath('flipped'));
    bytes[bytes.length - 10]! ^= 0xff; // near the end: everything before it has already been sent
    writeFileSync(blobPath('flipped'), bytes);

    // The device meets the damage first: its download is cut, and that alone records it.
    const res = await ddi('flipped');
    expect(res.status).toBe(200); // the length is right: only hashing can tell, and it cuts the stream
    const body = await readAll(res);
    expect(body).toBeInstanceOf(Error);

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
    // No longer offered: the device's deployment lists the module without it.
    expect(await offered('flipped')).toEqual([]);
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
    // The device's refused download recorded it (before answering): no longer offered.
    const shown = (await api('GET', `/softwaremodules/${modules.deleted.moduleId}/artifacts/${modules.deleted.artifactId}`)).json;
    expect(shown).toMatchObject({ damaged: true, damage: 'missing' });
    expect(await offered('deleted')).toEqual([]);
    const mgmt = await api('GET', mgmtPath('deleted'));
    expect(mgmt.status).toBe(503);
    expect(mgmt.json.errorCode).toBe('osprey.server.error.artifact.damaged');
  });

  it('reports each damaged artifact once: an error log line naming it, and the metric by kind of damage', async () => {
    const damageLines = logLines.filter((l) => l.msg !== undefined && String(l.msg).includes('is damaged'));
    expect(damageLines.map((l) => [l.level, l.artifactId, l.damage, l.seenBy])).toEqual([
      [50, modules.flipped.artifactId, 'hash', 'device download'],
      [50, modules.truncated.artifactId, 'size', 'device download'],
      [50, modules.deleted.artifactId, 'missing', 'device download'],
    ]);
    expect(String(damageLines[0]!.msg)).toContain(`artifact ${modules.flipped.artifactId} of tenant DEFAULT is damaged`);
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    const text = await metrics.text();
    for (const damage of ['hash', 'size', 'missing']) expect(text).toContain(`osprey_artifacts_damaged_total{damage="${damage}"} 1`);
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
    const deleted = (await api('GET', `/softwaremodules/${modules.deleted.moduleId}/artifacts/${modules.deleted.artifactId}`)).json;
    expect(deleted).toMatchObject({ damaged: true, damage: 'missing' });
    const intact = (await api('GET', `/softwaremodules/${modules.intact.moduleId}/artifacts/${modules.intact.artifactId}`)).json;
    expect(intact.damaged).toBeUndefined();
  });
});
