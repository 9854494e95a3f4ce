/**
 * DDI input an outside attacker (or an honest SWUpdate) sends that once gave a 500 or a wrong
 * answer (issue 12): long detail messages are split as hawkBit splits them, values the database
 * cannot hold are 400s with an error code, every join on tenant data carries the tenant, and the
 * injected clock is the one that stamps a device's changes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '@osprey/server';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../../testkit/server.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const files = mkdtempSync(join(tmpdir(), 'osprey-ddi-input-'));
afterAll(() => rmSync(files, { recursive: true, force: true }));
writeFileSync(join(files, 'a.bin'), 'tenant A payload');
writeFileSync(join(files, 'b.bin'), 'tenant B payload');

/** A fixed clock: what the server stamps must come from it, never from the wall clock. */
const CLOCK = new Date('2031-03-04T05:06:07.000Z');

describe.each(kinds)('DDI input on %s', (kind) => {
  let server: TestServer;
  let a: Awaited<ReturnType<typeof seed>>;
  let b: Awaited<ReturnType<typeof seed>>;

  beforeAll(async () => {
    server = await startTestServer(kind, {}, { clock: () => new Date(CLOCK) });
    a = await seed(server.database.db, server.blobs, server.keys, {
      config: { 'user.confirmation.flow.enabled': false },
      targets: [
        { controllerId: 'dev01', securityToken: 'token-dev01-abcdef' },
        { controllerId: 'dev02', securityToken: 'token-dev02-abcdef' },
      ],
      modules: [{ key: 'os', name: 'a-os', version: '1.0', artifacts: [{ file: join(files, 'a.bin'), filename: 'a.bin' }] }],
      distributionSets: [{ key: 'ds', name: 'a', version: '1.0', modules: ['os'] }],
      assignments: [{ target: 'dev01', ds: 'ds' }],
    });
    b = await seed(server.database.db, server.blobs, server.keys, {
      tenant: 'OTHER',
      targets: [{ controllerId: 'dev01', securityToken: 'token-other-abcdef' }],
      modules: [{ key: 'os', name: 'b-secret-os', version: '9.9', artifacts: [{ file: join(files, 'b.bin'), filename: 'b.bin' }] }],
      distributionSets: [{ key: 'ds', name: 'b', version: '9.9', modules: ['os'] }],
    });
  });
  afterAll(() => server?.stop());

  const base = '/DEFAULT/controller/v1';
  const auth = (id: string) => ({ authorization: `TargetToken token-${id}-abcdef` });
  const get = async (id: string, path: string) => (
    await server.ddi.settle(),
    server.app.inject({ method: 'GET', url: `${base}/${id}${path}`, headers: auth(id) })
  );
  const send = async (method: 'POST' | 'PUT', id: string, path: string, payload: unknown) => (
    await server.ddi.settle(),
    server.app.inject({
      method,
      url: `${base}/${id}${path}`,
      headers: { ...auth(id), 'content-type': 'application/json' },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    })
  );
  const feedback = (status: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    ...extra,
    status: { execution: 'proceeding', result: { finished: 'none' }, ...status },
  });
  const statuses = (id: number) =>
    server.database.db.selectFrom('action_statuses').selectAll().where('action_id', '=', id).where('tenant', '=', 'DEFAULT').orderBy('id').execute();
  const actionId = () => a.actions[0]!.actionId;
  const feedbackPath = () => `/deploymentBase/${actionId()}/feedback`;

  /** A 400 in the hawkBit error body, and nothing stored. */
  async function refused(response: Promise<{ statusCode: number; json: () => { errorCode: string } }>, expected = 400): Promise<void> {
    const before = (await statuses(actionId())).length;
    const res = await response;
    expect(res.statusCode).toBe(expected);
    expect(res.json().errorCode).toMatch(/^hawkbit\.server\.error\./);
    expect((await statuses(actionId())).length).toBe(before);
  }

  describe('long detail messages (SWUpdate progress)', () => {
    it('a detail over 512 characters is stored in 512-character parts, as hawkBit splits it', async () => {
      const log = Array.from({ length: 1300 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
      const res = await send('POST', 'dev01', feedbackPath(), feedback({ details: ['short', log] }));
      expect(res.statusCode, res.body).toBe(200);
      const messages = (await statuses(actionId())).at(-1)!.messages;
      expect(messages).toEqual(['short', log.slice(0, 512), log.slice(512, 1024), log.slice(1024)]);
    });

    it('never cuts a character in two: a surrogate pair at a part boundary moves to the next part', async () => {
      const detail = `${'x'.repeat(511)}🦅${'y'.repeat(10)}`;
      expect((await send('POST', 'dev01', feedbackPath(), feedback({ details: [detail] }))).statusCode).toBe(200);
      const messages = (await statuses(actionId())).at(-1)!.messages;
      expect(messages).toEqual(['x'.repeat(511), `🦅${'y'.repeat(10)}`]);
      expect(messages.join('')).toBe(detail);
    });

    it('the total stays bounded: 50 parts are accepted, beyond that the quota answers 429', async () => {
      expect((await send('POST', 'dev01', feedbackPath(), feedback({ details: ['z'.repeat(50 * 512)] }))).statusCode).toBe(200);
      expect((await statuses(actionId())).at(-1)!.messages).toHaveLength(50);
      await refused(send('POST', 'dev01', feedbackPath(), feedback({ details: ['z'.repeat(50 * 512 + 1)] })), 429);
      await refused(send('POST', 'dev01', feedbackPath(), feedback({ details: ['a', 'z'.repeat(49 * 512 + 1)] })), 429);
    });
  });

  describe('values the database cannot hold are 400s, never 500s', () => {
    it('feedback code beyond the int4 column', async () => {
      await refused(send('POST', 'dev01', feedbackPath(), feedback({ code: 2 ** 31 })));
      await refused(send('POST', 'dev01', feedbackPath(), feedback({ code: -(2 ** 31) - 1 })));
      expect((await send('POST', 'dev01', feedbackPath(), feedback({ code: 2 ** 31 - 1 }))).statusCode).toBe(200);
      expect((await statuses(actionId())).at(-1)!.code).toBe(2 ** 31 - 1);
    });

    it('a timestamp that is no date', async () => {
      await refused(send('POST', 'dev01', feedbackPath(), feedback({}, { timestamp: 8.64e15 + 1 })));
      await refused(send('POST', 'dev01', feedbackPath(), feedback({}, { timestamp: -1 })));
    });

    it('NUL bytes and lone surrogates in details', async () => {
      await refused(send('POST', 'dev01', feedbackPath(), feedback({ details: ['before\u0000after'] })));
      await refused(send('POST', 'dev01', feedbackPath(), '{"status":{"execution":"proceeding","result":{"finished":"none"},"details":["\\ud800"]}}'));
      await refused(send('POST', 'dev01', `/cancelAction/${actionId()}/feedback`, feedback({ details: ['\u0000'] })));
    });

    it('confirmation feedback, auto-confirm, configData and installedBase', async () => {
      await refused(send('POST', 'dev01', `/confirmationBase/${actionId()}/feedback`, { confirmation: 'confirmed', code: 2 ** 31 }));
      await refused(send('POST', 'dev01', `/confirmationBase/${actionId()}/feedback`, { confirmation: 'denied', details: ['\u0000'] }));
      await refused(send('POST', 'dev01', '/confirmationBase/activateAutoConfirm', { initiator: 'me', remark: 'a\u0000b' }));
      await refused(send('PUT', 'dev01', '/configData', { data: { 'bo\u0000ard': 'x' } }));
      await refused(send('PUT', 'dev01', '/configData', { data: { board: 'x\u0000' } }));
      await refused(send('PUT', 'dev01', '/installedBase', { name: 'a\u0000', version: '1.0' }));
      expect(
        (await server.database.db.selectFrom('targets').select('auto_confirm').where('controller_id', '=', 'dev01').executeTakeFirstOrThrow()).auto_confirm,
      ).toBe(null);
    });

    it('a NUL byte in an artifact file name or a repeated query parameter', async () => {
      const moduleId = a.modules.os!;
      const nul = await get('dev01', `/softwaremodules/${moduleId}/artifacts/a.bin%00`);
      expect(nul.statusCode).toBe(400);
      expect(nul.json().errorCode).toBe('hawkbit.server.error.rest.param.invalid');
      const twice = await get('dev01', `/deploymentBase/${actionId()}?actionHistory=1&actionHistory=2`);
      expect(twice.statusCode).toBe(400);
      expect(twice.json().message).toMatch(/actionHistory/);
    });
  });

  describe('every join on tenant data carries the tenant', () => {
    it("an action that names another tenant's set shows none of its modules and grants no download", async () => {
      // Such rows come from the cross-tenant references of issue 12 (a rollback set of another
      // tenant); however they got there, the device side must not follow them out of the tenant.
      const db = server.database.db;
      const otherSet = b.distributionSets.ds!;
      const otherModule = b.modules.os!;
      const [row] = await db
        .insertInto('actions')
        .values({
          tenant: 'DEFAULT',
          target_id: a.targets.dev02!,
          ds_id: otherSet,
          status: 'RUNNING',
          active: true,
          action_type: 'forced',
          forced_time: null,
          weight: null,
          maintenance_schedule: null,
          maintenance_duration: null,
          maintenance_timezone: null,
          last_status_code: null,
        })
        .returning('id')
        .execute();
      const foreign = Number(row!.id);
      const list = await get('dev02', `/softwaremodules/${otherModule}/artifacts`);
      expect(list.statusCode).toBe(404);
      expect((await get('dev02', `/softwaremodules/${otherModule}/artifacts/b.bin`)).statusCode).toBe(404);
      expect((await get('dev02', `/deploymentBase/${foreign}`)).json().deployment.chunks).toEqual([]);
    });

    it("a set-module link of this tenant to another tenant's module is not followed", async () => {
      const db = server.database.db;
      await db.insertInto('distribution_set_modules').values({ tenant: 'DEFAULT', ds_id: a.distributionSets.ds!, module_id: b.modules.os! }).execute();
      try {
        const chunks = (await get('dev01', `/deploymentBase/${actionId()}`)).json().deployment.chunks as Array<{ name: string }>;
        expect(chunks.map((c) => c.name)).toEqual(['a-os']);
        expect((await get('dev01', `/softwaremodules/${b.modules.os!}/artifacts`)).statusCode).toBe(404);
      } finally {
        await db.deleteFrom('distribution_set_modules').where('module_id', '=', b.modules.os!).where('tenant', '=', 'DEFAULT').execute();
      }
    });
  });

  it("a device's changes are stamped by the injected clock", async () => {
    expect((await send('POST', 'dev01', feedbackPath(), feedback({ details: ['stamped'] }))).statusCode).toBe(200);
    const action = await server.database.db.selectFrom('actions').select('updated_at').where('id', '=', actionId()).executeTakeFirstOrThrow();
    expect(new Date(action.updated_at).toISOString()).toBe(CLOCK.toISOString());
  });
});
