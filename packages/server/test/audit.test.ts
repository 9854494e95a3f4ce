/**
 * The audit log in the database: entries read back hash exactly as written (timestamptz, jsonb),
 * concurrent appends of one tenant never fork the chain, a rolled-back change leaves no entry, and
 * SQL typed by hand (an edit, a delete) is reported at exactly that entry.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { verifyAuditChain } from '@osprey/core';
import { AuditLog, appendAudit, auditHead, readAudit, type AuditChange } from '../src/domain/audit.js';
import type { Database } from '../src/db/schema.js';
import { basicAuth, restClient, TEST_ADMIN } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type TestServer } from '../../../testkit/server.js';

const pgAvailable = await hasPostgres();

const t0 = Date.parse('2025-06-01T08:00:00.000Z');

function change(i: number, tenant = 'DEFAULT'): AuditChange {
  return {
    tenant,
    // Milliseconds that a float-y clock or a timestamptz could get wrong.
    at: new Date(t0 + i * 1013 + 789),
    actor: i % 2 ? 'admin' : 'token:ci',
    action: 'target.update',
    subject: { type: 'target', id: `c${i}` },
    // Keys in an order jsonb will not keep (it sorts by length, then bytes), nested, with a Date.
    before: i === 0 ? null : { zeta: 'z', a: { yy: [3, 1, 2], x: null }, count: i - 1 },
    after: { zeta: 'z', a: { yy: [3, 1, 2], x: true }, count: i, seen: new Date(t0), ünï: 'çödé "q" \\ \n' },
  };
}

async function addTenant(db: Kysely<Database>, id: string): Promise<void> {
  await db
    .insertInto('tenants')
    .values({ id, config: JSON.stringify({}) })
    .execute();
}

/** Transactions at once, each making its own change (a new user of the tenant) and appending its entry. */
async function appendConcurrently(db: Kysely<Database>, tenant: string, count: number, pause: boolean): Promise<number[]> {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({ tenant, username: `user-${i}`, password_hash: 'x', roles: JSON.stringify([]) })
          .execute();
        // Let every transaction reach the append together.
        if (pause) await sql`select pg_sleep(0.02)`.execute(trx);
        return (await appendAudit(trx, change(i, tenant))).seq;
      }),
    ),
  );
  return results.sort((a, b) => a - b);
}

describe('audit log (PGlite)', () => {
  let server: TestServer;
  let db: Kysely<Database>;

  beforeAll(async () => {
    server = await startTestServer('pglite');
    db = server.database.db;
  });
  afterAll(() => server?.stop());

  it('appends entries that read back and verify exactly as written', async () => {
    const written = [];
    for (let i = 0; i < 6; i++) written.push(await appendAudit(db, change(i)));
    expect(written.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const read = await readAudit(db, 'DEFAULT');
    expect(read).toEqual(written);
    expect(read[1]!.at).toBe('2025-06-01T08:00:01.802Z');
    expect(read[1]!.after).toMatchObject({ seen: '2025-06-01T08:00:00.000Z' });
    expect(verifyAuditChain(read)).toEqual({ ok: true, head: { seq: 6, hash: written[5]!.hash } });
    expect(await auditHead(db, 'DEFAULT')).toEqual({ seq: 6, hash: written[5]!.hash });
    expect(await readAudit(db, 'DEFAULT', { afterSeq: 2, limit: 3 })).toEqual(written.slice(2, 5));
  });

  it('keeps a chain per tenant', async () => {
    await addTenant(db, 'OTHER');
    expect(await auditHead(db, 'OTHER')).toBeUndefined();
    const first = await appendAudit(db, change(0, 'OTHER'));
    expect(first.seq).toBe(1);
    expect(verifyAuditChain(await readAudit(db, 'OTHER')).ok).toBe(true);
    expect((await auditHead(db, 'DEFAULT'))?.seq).toBe(6);
    await expect(appendAudit(db, change(0, 'NOPE'))).rejects.toThrow(/tenant NOPE not found/);
  });

  it('commits an entry with its change or not at all', async () => {
    const head = await auditHead(db, 'OTHER');
    await expect(
      db.transaction().execute(async (trx) => {
        await appendAudit(trx, change(1, 'OTHER'));
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await auditHead(db, 'OTHER')).toEqual(head);
  });

  it('does not fork the chain under 20 concurrent transactions', async () => {
    await addTenant(db, 'BUSY');
    expect(await appendConcurrently(db, 'BUSY', 20, false)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(verifyAuditChain(await readAudit(db, 'BUSY'))).toMatchObject({ ok: true, head: { seq: 20 } });
  });

  it('reports an entry edited by SQL, and verifies again once it is restored', async () => {
    const original = (await readAudit(db, 'DEFAULT'))[2]!;
    await sql`update audit_log set after = ${JSON.stringify({ count: 1000 })}::jsonb where tenant = 'DEFAULT' and seq = 3`.execute(db);
    expect(verifyAuditChain(await readAudit(db, 'DEFAULT'))).toEqual({ ok: false, seq: 3, reason: 'entry 3 was changed after it was written (hash mismatch)' });
    // Same content, other key order and spacing: jsonb and canonical JSON both ignore it.
    const reordered = '{ "ünï": "çödé \\"q\\" \\\\ \\n", "seen": "2025-06-01T08:00:00.000Z", "count": 2, "a": { "x": true, "yy": [3, 1, 2] }, "zeta": "z" }';
    expect(JSON.parse(reordered)).toEqual(original.after);
    await sql`update audit_log set after = ${reordered}::jsonb where tenant = 'DEFAULT' and seq = 3`.execute(db);
    expect(verifyAuditChain(await readAudit(db, 'DEFAULT')).ok).toBe(true);
    await sql`update audit_log set at = at + interval '1 millisecond' where tenant = 'DEFAULT' and seq = 2`.execute(db);
    expect(verifyAuditChain(await readAudit(db, 'DEFAULT'))).toMatchObject({ ok: false, seq: 2 });
    await sql`update audit_log set at = at - interval '1 millisecond' where tenant = 'DEFAULT' and seq = 2`.execute(db);
    expect(verifyAuditChain(await readAudit(db, 'DEFAULT')).ok).toBe(true);
  });

  it('reports an entry deleted by SQL, and a truncated tail against a recorded head', async () => {
    const head = (await auditHead(db, 'DEFAULT'))!;
    await sql`delete from audit_log where tenant = 'DEFAULT' and seq = 5`.execute(db);
    expect(verifyAuditChain(await readAudit(db, 'DEFAULT'))).toEqual({ ok: false, seq: 5, reason: 'entry 5 is missing (entry 6 follows entry 4)' });
    await sql`delete from audit_log where tenant = 'DEFAULT' and seq >= 5`.execute(db);
    expect(verifyAuditChain(await readAudit(db, 'DEFAULT')).ok).toBe(true);
    expect(verifyAuditChain(await readAudit(db, 'DEFAULT'), { expectHead: head })).toMatchObject({
      ok: false,
      seq: 5,
      reason: expect.stringMatching(/^entries 5 to 6 are missing .*truncated/),
    });
  });
});

describe('the chain verified on the server (GET /audit/verification)', () => {
  let server: TestServer;
  const api = restClient(() => server.url, TEST_ADMIN);

  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
  });
  afterAll(() => server?.stop());

  it('reports a clean chain with its head, the page its total, and the first broken entry after an edit', async () => {
    for (const id of ['v-1', 'v-2', 'v-3']) expect((await api('POST', '/targets', [{ controllerId: id }])).status).toBe(201);
    const page = await api('GET', '/audit?limit=2');
    expect(page.status, page.text).toBe(200);
    const total = page.json.total as number;
    expect(total).toBeGreaterThanOrEqual(3);
    expect(page.json.size).toBe(2);
    const head = await auditHead(server.database.db, 'DEFAULT');
    expect((await api('GET', '/audit/verification')).json).toEqual({ ok: true, head });
    expect(head?.seq).toBe(total);

    // Slices of two entries: the seams between slices are checked as the entries within one.
    const log = new AuditLog(server.database.db);
    expect(await log.verify('DEFAULT', 2)).toEqual({ ok: true, head });
    await sql`update audit_log set actor = 'mallory' where tenant = 'DEFAULT' and seq = 3`.execute(server.database.db);
    const broken = { ok: false, seq: 3, reason: 'entry 3 was changed after it was written (hash mismatch)' };
    expect(await log.verify('DEFAULT', 2)).toEqual(broken);
    expect((await api('GET', '/audit/verification')).json).toEqual(broken);
  });

  it('verifies only the caller’s tenant, and needs READ_AUDIT', async () => {
    expect((await api('POST', '/tenants', { id: 'VERIFY_B', adminPassword: 'verify-b-admin-password' })).status).toBe(201);
    const badmin = basicAuth('VERIFY_B\\admin', 'verify-b-admin-password');
    // Tenant DEFAULT's chain is broken (above); VERIFY_B's is its own and clean.
    expect((await api('GET', '/audit/verification', undefined, badmin)).json).toMatchObject({ ok: true });
    expect((await api('POST', '/users', { username: 'no-audit', password: 'no-audit-password', roles: ['TARGET_ADMIN'] })).status).toBe(201);
    const refused = await api('GET', '/audit/verification', undefined, basicAuth('no-audit', 'no-audit-password'));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toMatch(/READ_AUDIT/);
  });
});

describe.runIf(pgAvailable)('audit log (PostgreSQL)', () => {
  let server: TestServer;
  let db: Kysely<Database>;
  let pool: pg.Pool;
  let opened = 0;
  let closed = 0;

  beforeAll(async () => {
    server = await startTestServer('postgres');
    // A pool of our own, as large as the server's, so that we can wait for its connections to be
    // closed: pool.end() resolves before they are, and dropping the test database (force) would
    // then kill them mid-close (an uncaught error).
    pool = new pg.Pool({ connectionString: server.config.databaseUrl, max: 10 });
    pool.on('connect', () => opened++);
    pool.on('remove', () => closed++);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    for (const id of ['BUSY', 'CALM']) await addTenant(db, id);
  });
  afterAll(async () => {
    await db?.destroy();
    while (closed < opened) await new Promise((r) => setTimeout(r, 10));
    await server?.stop();
  });

  it('does not fork the chain under 20 concurrent transactions per tenant, on a pool of connections', async () => {
    const [busy, calm] = await Promise.all([appendConcurrently(db, 'BUSY', 20, true), appendConcurrently(db, 'CALM', 20, true)]);
    const all = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(busy).toEqual(all);
    expect(calm).toEqual(all);
    for (const tenant of ['BUSY', 'CALM']) expect(verifyAuditChain(await readAudit(db, tenant))).toMatchObject({ ok: true, head: { seq: 20 } });
    // Inserts referencing the tenant (key share) are not blocked by an append's lock.
    await db.transaction().execute(async (trx) => {
      await appendAudit(trx, change(99, 'BUSY'));
      await db
        .insertInto('users')
        .values({ tenant: 'BUSY', username: 'outside', password_hash: 'x', roles: JSON.stringify([]) })
        .execute();
    });
    expect((await readAudit(db, 'BUSY')).at(-1)).toMatchObject({ seq: 21, at: new Date(t0 + 99 * 1013 + 789).toISOString() });
  });
});
