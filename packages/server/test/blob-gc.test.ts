/**
 * A blob is never removed under an upload that is recording a row naming it: removal and
 * recording both hold the blob's lock (an advisory lock in the database). On PostgreSQL a release
 * running while an upload's transaction is open waits for it and then keeps the blob; on either
 * database an upload whose blob was removed before it could record its row is refused (503), not
 * recorded as a row naming nothing.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordArtifact, type StagedArtifact } from '../src/domain/artifacts.js';
import { releaseBlobs } from '../src/domain/blob-gc.js';
import { SoftwareModuleStore } from '../src/db/stores/software-modules.js';
import { ServerError } from '../src/errors.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../testkit/server.js';

const postgres = await hasPostgres();
const kinds: DbKind[] = ['pglite', ...(postgres ? (['postgres'] as const) : [])];
const HOUR = 60 * 60 * 1000;

/** A server for the enclosing describe, and the means to stage an upload's blob on it. */
function fixture(kind: DbKind) {
  let server!: TestServer;
  let n = 0;
  beforeAll(async () => {
    server = await startTestServer(kind);
  });
  afterAll(() => server?.stop());
  return {
    server: () => server,
    /** A blob written as an upload writes it, staged for a new module's row. */
    async staged(): Promise<{ moduleId: number; staged: StagedArtifact }> {
      const module = await new SoftwareModuleStore(server.database.db).insert({
        tenant: 'DEFAULT',
        type_key: 'os',
        name: `locked-${++n}`,
        version: '1',
        metadata: JSON.stringify([]),
      });
      const stored = await server.blobs.put(Readable.from([randomBytes(2000)]));
      return {
        moduleId: module.id,
        staged: { tenant: 'DEFAULT', filename: 'image.bin', tufTarget: null, stored, plaintext: null, escrowHeader: null, signature: Buffer.alloc(0) },
      };
    },
    rows: (sha256: string) => server.database.db.selectFrom('artifacts').select('id').where('sha256', '=', sha256).execute(),
  };
}

describe.each(kinds)('an upload on %s', (kind) => {
  const f = fixture(kind);

  it('whose blob was removed meanwhile is refused with 503 and records nothing', async () => {
    const server = f.server();
    const { moduleId, staged: upload } = await f.staged();
    await server.blobs.delete(upload.stored.sha256); // a concurrent deletion got there first
    const failure = await server.database.db
      .transaction()
      .execute((trx) => recordArtifact(new SoftwareModuleStore(trx), server.blobs, upload, moduleId))
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(ServerError);
    expect((failure as ServerError).code).toBe('UNAVAILABLE');
    expect((failure as ServerError).retryAfterSeconds).toBe(1);
    expect(await f.rows(upload.stored.sha256)).toEqual([]);
  });
});

// Two connections are needed to overlap the two transactions: PostgreSQL only (PGlite has one).
describe.runIf(postgres)('blob locks on postgres', () => {
  const f = fixture('postgres');

  it('a release while an upload records its row waits for the commit and keeps the blob', async () => {
    const server = f.server();
    const { moduleId, staged: upload } = await f.staged();
    const sha = upload.stored.sha256;
    let commit!: () => void;
    const gate = new Promise<void>((resolve) => (commit = resolve));
    let recorded!: () => void;
    const holding = new Promise<void>((resolve) => (recorded = resolve));
    const uploading = server.database.db.transaction().execute(async (trx) => {
      const row = await recordArtifact(new SoftwareModuleStore(trx), server.blobs, upload, moduleId);
      recorded();
      await gate; // the upload's transaction stays open, holding the blob's lock
      return row;
    });
    await holding;
    // Two hours on: the blob counts as old, and the row is not committed yet, so only the lock keeps it.
    let released: string[] | undefined;
    const releasing = releaseBlobs(new SoftwareModuleStore(server.database.db), server.blobs, [sha], new Date(Date.now() + 2 * HOUR)).then(
      (r) => (released = r),
    );
    await new Promise((resolve) => setTimeout(resolve, 300)); // the release's chance to run (it must wait)
    expect(released).toBeUndefined();
    commit();
    await uploading;
    expect(await releasing).toEqual([]);
    expect(await server.blobs.has(sha)).toBe(true);
    expect(await f.rows(sha)).toHaveLength(1);
  });
});
