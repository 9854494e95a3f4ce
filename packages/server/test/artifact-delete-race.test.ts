/**
 * Deleting an artifact while its module is being added to a distribution set (PostgreSQL, two
 * connections): the delete waits for the addition and then refuses (409), so a set never ships
 * without an artifact it had when it was made (software-module-service.ts deleteArtifact locks the
 * module row; the set's foreign key takes a key-share lock on it).
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type TestServer } from '../../../testkit/server.js';

describe.runIf(await hasPostgres())('deleting an artifact while its module joins a set', () => {
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  beforeAll(async () => {
    server = await startTestServer('postgres', { rolloutTickMs: 0 }, { listen: true });
  });
  afterAll(() => server?.stop());

  it('waits for the uncommitted membership, then answers 409 and keeps the artifact', async () => {
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'race', version: '1', type: 'os' }])).json;
    const form = new FormData();
    form.append('file', new Blob([Buffer.from('race image')]), 'race.img');
    const artifact = (await api('POST', `/softwaremodules/${module.id}/artifacts`, form)).json;
    const [set] = (await api('POST', '/distributionsets', [{ name: 'race', version: '1' }])).json;

    const other = new pg.Client({ connectionString: server.config.databaseUrl });
    await other.connect();
    try {
      await other.query('begin');
      await other.query('insert into distribution_set_modules (tenant, ds_id, module_id) values ($1, $2, $3)', ['DEFAULT', set.id, module.id]);
      let settled = false;
      const deleting = api('DELETE', `/softwaremodules/${module.id}/artifacts/${artifact.id}`).finally(() => (settled = true));
      // The delete must be waiting on the module row's lock (bounded: without the lock it answers at once).
      let waiting = false;
      for (let i = 0; i < 200 && !waiting && !settled; i++) {
        const { rows } = await other.query(
          "select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and pid <> pg_backend_pid()",
        );
        waiting = rows.length > 0;
        if (!waiting) await new Promise((r) => setImmediate(r));
      }
      expect(settled, 'the delete did not wait for the set membership being added').toBe(false);
      await other.query('commit');
      const res = await deleting;
      expect(res.status, res.text).toBe(409);
      expect(res.json.message).toMatch(/belongs to distribution set/);
    } finally {
      await other.query('rollback').catch(() => undefined);
      await other.end();
    }
    expect((await api('GET', `/softwaremodules/${module.id}/artifacts/${artifact.id}`)).status).toBe(200);
  });
});
