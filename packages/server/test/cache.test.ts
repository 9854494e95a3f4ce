/**
 * The in-memory poll state stays correct whoever writes: another server instance on the same
 * PostgreSQL, or SQL typed by hand. Changes arrive through the database's NOTIFY.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { parseConfig, seed, startServer, type RunningServer } from '@osprey/server';
import { hasPostgres, startTestServer, type TestServer } from '../../../testkit/server.js';

const pgAvailable = await hasPostgres();

describe('poll cache', () => {
  let a: TestServer;

  beforeAll(async () => {
    a = await startTestServer('pglite');
    await seed(a.database.db, a.blobs, a.keys, {
      targets: [{ controllerId: 'c1', securityToken: 'token-c1-aaaaaa' }],
      modules: [{ key: 'm', name: 'm', version: '1', artifacts: [] }],
      distributionSets: [{ key: 'ds', name: 'ds', version: '1', modules: ['m'] }],
    });
  });
  afterAll(() => a?.stop());

  const poll = (server: RunningServer, token = 'token-c1-aaaaaa') =>
    server.app.inject({ method: 'GET', url: '/DEFAULT/controller/v1/c1', headers: { authorization: `TargetToken ${token}` } });

  it('answers repeated polls from memory and drops a device when its token changes by hand', async () => {
    expect((await poll(a)).statusCode).toBe(200);
    expect(a.ddi.cache.size).toBe(1);
    await sql`update targets set security_token = 'token-c1-rotated' where controller_id = 'c1'`.execute(a.database.db);
    await a.ddi.settle();
    expect((await poll(a)).statusCode).toBe(401);
    expect((await poll(a, 'token-c1-rotated')).statusCode).toBe(200);
  });

  it.runIf(pgAvailable)('an assignment made through another instance reaches this one', async () => {
    const first = await startTestServer('postgres');
    const second = await startServer(parseConfig({ ...first.config, dataDir: `${first.dataDir}/second` }), { listen: false });
    try {
      await seed(first.database.db, first.blobs, first.keys, {
        targets: [{ controllerId: 'c1', securityToken: 'token-c1-aaaaaa' }],
        modules: [{ key: 'm', name: 'm', version: '1', artifacts: [] }],
        distributionSets: [{ key: 'ds', name: 'ds', version: '1', modules: ['m'] }],
      });
      await second.ddi.settle();
      expect((await poll(second)).json()._links?.deploymentBase).toBeUndefined();
      expect(second.ddi.cache.size).toBe(1);
      await seed(first.database.db, first.blobs, first.keys, { assignments: [{ target: 'c1', ds: 'ds:1' }] });
      await second.ddi.settle();
      expect((await poll(second)).json()._links.deploymentBase.href).toMatch(/deploymentBase\/\d+/);
    } finally {
      await second.close();
      await first.stop();
    }
  });
});
