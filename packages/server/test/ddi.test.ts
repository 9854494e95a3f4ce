/**
 * The DDI API, black-box over HTTP (fastify inject), against PGlite and PostgreSQL: polling,
 * deployment, feedback, cancel handshake, confirmation, configData, downloads with ranges,
 * authentication, the Osprey encryption extension, and bad input.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decrypt, X25519Identity, P256TagIdentity, SoftwareP256KeyAgreement } from '@osprey/core';
import { seed } from '@osprey/server';
import { cancelAction } from '../src/domain/deployments.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../testkit/server.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const files = mkdtempSync(join(tmpdir(), 'osprey-ddi-files-'));
afterAll(() => rmSync(files, { recursive: true, force: true }));

const image = randomBytes(300_000);
writeFileSync(join(files, 'image.swu'), image);
const secret = randomBytes(200_000);
writeFileSync(join(files, 'secret.bin'), secret);

describe.each(kinds)('DDI on %s', (kind) => {
  let server: TestServer;
  let ids: Awaited<ReturnType<typeof seed>>;
  const deviceKey = X25519Identity.generate();
  const otherKey = new P256TagIdentity(SoftwareP256KeyAgreement.generate());

  beforeAll(async () => {
    server = await startTestServer(kind);
    ids = await seed(server.database.db, server.blobs, server.keys, {
      config: { pollingTime: '00:01:00', 'authentication.gatewaytoken.enabled': true, 'authentication.gatewaytoken.key': 'gateway-secret-key' },
      targets: [
        { controllerId: 'dev01', securityToken: 'token-dev01-abcdef' },
        { controllerId: 'dev02', securityToken: 'token-dev02-abcdef', publicKey: deviceKey.recipient.toString() },
        { controllerId: 'dev03', securityToken: 'token-dev03-abcdef', publicKey: otherKey.recipient.toString() },
        { controllerId: 'dev04', securityToken: 'token-dev04-abcdef' },
      ],
      modules: [
        { key: 'os', type: 'os', name: 'gw-os', version: '1.0', artifacts: [{ file: join(files, 'image.swu'), filename: 'update.swu' }] },
        {
          key: 'app',
          type: 'application',
          name: 'app',
          version: '2.0',
          artifacts: [{ file: join(files, 'secret.bin'), filename: 'secret.bin', encrypt: true }],
        },
      ],
      distributionSets: [
        { key: 'ds1', name: 'gw', version: '1.0', modules: ['os'] },
        { key: 'ds2', name: 'secret', version: '2.0', modules: ['app'] },
      ],
      assignments: [{ target: 'dev01', ds: 'ds1', type: 'forced' }],
    });
  });
  afterAll(() => server?.stop());

  const base = '/DEFAULT/controller/v1';
  const auth = (id: string) => ({ authorization: `TargetToken token-${id}-abcdef`, accept: 'application/hal+json' });
  // Changes made straight in the database (seed, cancelAction) reach the poll cache through
  // NOTIFY; settle() waits for them, as a device's next poll (seconds later) would.
  const get = async (id: string, path = '', headers: Record<string, string> = {}) => (
    await server.ddi.settle(),
    server.app.inject({ method: 'GET', url: `${base}/${id}${path}`, headers: { ...auth(id), ...headers } })
  );
  const send = async (method: 'POST' | 'PUT', id: string, path: string, payload: unknown, headers: Record<string, string> = {}) => (
    await server.ddi.settle(),
    server.app.inject({
      method,
      url: `${base}/${id}${path}`,
      headers: { ...auth(id), 'content-type': 'application/json', ...headers },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    })
  );
  const feedback = (execution: string, finished = 'none', extra: Record<string, unknown> = {}) => ({ status: { execution, result: { finished }, ...extra } });
  const actionRow = (id: number) => server.database.db.selectFrom('actions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const targetRow = (cid: string) => server.database.db.selectFrom('targets').selectAll().where('controller_id', '=', cid).executeTakeFirstOrThrow();
  const statuses = (id: number) => server.database.db.selectFrom('action_statuses').selectAll().where('action_id', '=', id).orderBy('id').execute();

  describe('authentication', () => {
    it('401 without credentials, with a wrong token, with another device’s token; hawkBit error body', async () => {
      for (const headers of [{}, { authorization: 'TargetToken wrong' }, { authorization: 'TargetToken token-dev02-abcdef' }, { authorization: 'Bearer x' }]) {
        const res = await server.app.inject({ method: 'GET', url: `${base}/dev01`, headers });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toMatchObject({ errorCode: 'hawkbit.server.error.unauthorized' });
      }
    });

    it('an unknown tenant is indistinguishable from bad credentials', async () => {
      const res = await server.app.inject({ method: 'GET', url: '/NOPE/controller/v1/dev01', headers: auth('dev01') });
      expect(res.statusCode).toBe(401);
    });

    it('a gateway token acts for any device and registers unknown ones', async () => {
      const res = await server.app.inject({ method: 'GET', url: `${base}/new-device-7`, headers: { authorization: 'GatewayToken gateway-secret-key' } });
      expect(res.statusCode).toBe(200);
      expect((await targetRow('new-device-7')).update_status).toBe('REGISTERED');
      const wrong = await server.app.inject({ method: 'GET', url: `${base}/new-device-8`, headers: { authorization: 'GatewayToken nope' } });
      expect(wrong.statusCode).toBe(401);
    });
  });

  describe('poll, configData, deployment, feedback', () => {
    it('polls: sleep, configData until attributes arrive, deploymentBase with ?c=, ETag/304', async () => {
      const res = await get('dev01');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('application/hal+json');
      const body = res.json();
      expect(body.config.polling.sleep).toBe('00:01:00');
      expect(body._links.configData.href).toMatch(/\/DEFAULT\/controller\/v1\/dev01\/configData$/);
      expect(body._links.deploymentBase.href).toMatch(new RegExp(`/deploymentBase/${ids.actions[0]!.actionId}\\?c=-?\\d+$`));
      const again = await get('dev01', '', { 'if-none-match': res.headers.etag as string });
      expect(again.statusCode).toBe(304);
      const plain = await get('dev01', '', { accept: 'application/json' });
      expect(plain.headers['content-type']).toContain('application/json');
    });

    it('configData merge/replace/remove; the link disappears; bad bodies are 400', async () => {
      expect((await send('PUT', 'dev01', '/configData', { data: { board: 'sim', hw_rev: '1.0' } })).statusCode).toBe(200);
      expect((await send('PUT', 'dev01', '/configData', { mode: 'merge', data: { serial: '42' } })).statusCode).toBe(200);
      expect((await targetRow('dev01')).attributes).toEqual({ board: 'sim', hw_rev: '1.0', serial: '42' });
      expect((await send('PUT', 'dev01', '/configData', { mode: 'remove', data: { serial: '' } })).statusCode).toBe(200);
      expect((await targetRow('dev01')).attributes).toEqual({ board: 'sim', hw_rev: '1.0' });
      // legacy SWUpdate fields are accepted and ignored
      expect(
        (
          await send('PUT', 'dev01', '/configData', {
            id: '',
            time: '20260101T000000',
            status: { result: { finished: 'success' }, execution: 'closed' },
            data: { board: 'sim', hw_rev: '1.0' },
          })
        ).statusCode,
      ).toBe(200);
      expect((await get('dev01')).json()._links.configData).toBeUndefined();
      const bad = await send('PUT', 'dev01', '/configData', { mode: 'explode', data: {} });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().errorCode).toBe('hawkbit.server.error.rest.param.invalid');
      const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, 'v']));
      expect((await send('PUT', 'dev01', '/configData', { mode: 'replace', data: many })).statusCode).toBe(429);
    });

    it('deploymentBase: chunks, hashes, links, instructions; RETRIEVED recorded once', async () => {
      const actionId = ids.actions[0]!.actionId;
      const res = await get('dev01', `/deploymentBase/${actionId}`);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body.id).toBe(String(actionId));
      expect(body.deployment).toMatchObject({ download: 'forced', update: 'forced' });
      const [chunk] = body.deployment.chunks;
      expect(chunk).toMatchObject({ part: 'os', name: 'gw-os', version: '1.0' });
      const [artifact] = chunk.artifacts;
      expect(artifact).toMatchObject({
        filename: 'update.swu',
        size: image.length,
        hashes: {
          sha1: createHash('sha1').update(image).digest('hex'),
          md5: createHash('md5').update(image).digest('hex'),
          sha256: createHash('sha256').update(image).digest('hex'),
        },
      });
      expect(artifact._links['download-http'].href).toMatch(/\/DEFAULT\/controller\/v1\/dev01\/softwaremodules\/\d+\/artifacts\/update\.swu$/);
      expect(artifact._links['md5sum-http'].href).toMatch(/update\.swu\.MD5SUM$/);
      await get('dev01', `/deploymentBase/${actionId}`);
      expect((await statuses(actionId)).filter((s) => s.status === 'RETRIEVED')).toHaveLength(1);
      expect((await get('dev01', `/deploymentBase/999999`)).statusCode).toBe(404);
      expect((await get('dev01', `/deploymentBase/abc`)).statusCode).toBe(400);
      // Another device cannot read this action.
      expect((await get('dev04', `/deploymentBase/${actionId}`)).statusCode).toBe(404);
      const history = (await get('dev01', `/deploymentBase/${actionId}?actionHistory=5`)).json();
      expect(history.actionHistory.messages.length).toBeGreaterThan(0);
    });

    it('downloads: full, HEAD, single and multiple ranges, 416, If-Range, MD5SUM, foreign artifact', async () => {
      const href = new URL(
        (await get('dev01', `/deploymentBase/${ids.actions[0]!.actionId}`)).json().deployment.chunks[0].artifacts[0]._links['download-http'].href,
      ).pathname;
      const full = await server.app.inject({ method: 'GET', url: href, headers: auth('dev01') });
      expect(full.statusCode).toBe(200);
      expect(full.rawPayload.equals(image)).toBe(true);
      const etag = full.headers.etag as string;
      expect(etag).toBe(`"${createHash('sha1').update(image).digest('hex')}"`);
      expect(full.headers['accept-ranges']).toBe('bytes');
      expect(full.headers['content-disposition']).toBe('attachment;filename=update.swu');
      const head = await server.app.inject({ method: 'HEAD', url: href, headers: auth('dev01') });
      expect(head.statusCode).toBe(200);
      expect(Number(head.headers['content-length'])).toBe(image.length);
      const one = await server.app.inject({ method: 'GET', url: href, headers: { ...auth('dev01'), range: 'bytes=100-199' } });
      expect(one.statusCode).toBe(206);
      expect(one.headers['content-range']).toBe(`bytes 100-199/${image.length}`);
      expect(one.rawPayload.equals(image.subarray(100, 200))).toBe(true);
      const multi = await server.app.inject({ method: 'GET', url: href, headers: { ...auth('dev01'), range: 'bytes=0-9,1000-1009' } });
      expect(multi.statusCode).toBe(206);
      expect(multi.headers['content-type']).toBe('multipart/byteranges; boundary=THIS_STRING_SEPARATES_MULTIPART');
      expect(Number(multi.headers['content-length'])).toBe(multi.rawPayload.length);
      expect(multi.rawPayload.includes(image.subarray(1000, 1010))).toBe(true);
      const past = await server.app.inject({ method: 'GET', url: href, headers: { ...auth('dev01'), range: `bytes=${image.length}-` } });
      expect(past.statusCode).toBe(416);
      expect(past.headers['content-range']).toBe(`bytes */${image.length}`);
      const stale = await server.app.inject({ method: 'GET', url: href, headers: { ...auth('dev01'), range: 'bytes=0-9', 'if-range': '"other"' } });
      expect(stale.statusCode).toBe(200);
      const md5 = await server.app.inject({ method: 'GET', url: `${href}.MD5SUM`, headers: auth('dev01') });
      expect(md5.body).toBe(`${createHash('md5').update(image).digest('hex')}  update.swu`);
      const foreign = await server.app.inject({ method: 'GET', url: href.replace('/dev01/', '/dev04/'), headers: auth('dev04') });
      expect(foreign.statusCode).toBe(404);
      expect((await statuses(ids.actions[0]!.actionId)).filter((s) => s.status === 'DOWNLOAD').length).toBeGreaterThanOrEqual(1);
    });

    it('feedback: proceeding → RUNNING, closed/success → FINISHED, target installed; then 410', async () => {
      const actionId = ids.actions[0]!.actionId;
      const path = `/deploymentBase/${actionId}/feedback`;
      expect((await send('POST', 'dev01', path, feedback('proceeding', 'none', { details: ['installing'], progress: undefined }))).statusCode).toBe(200);
      expect((await actionRow(actionId)).status).toBe('RUNNING');
      expect((await send('POST', 'dev01', path, { id: 7, time: '20260101T120000', ...feedback('closed', 'success', { code: 200 }) })).statusCode).toBe(200);
      const action = await actionRow(actionId);
      expect(action).toMatchObject({ status: 'FINISHED', active: false, last_status_code: 200 });
      const target = await targetRow('dev01');
      expect(Number(target.installed_ds_id)).toBe(ids.distributionSets.ds1);
      expect(target.update_status).toBe('IN_SYNC');
      expect((await statuses(actionId)).at(-1)!.messages).toContain('Device reported status code: 200');
      const late = await send('POST', 'dev01', path, feedback('closed', 'success'));
      expect(late.statusCode).toBe(410);
      const poll = (await get('dev01')).json();
      expect(poll._links.deploymentBase).toBeUndefined();
      expect(poll._links.installedBase.href).toMatch(new RegExp(`/installedBase/${actionId}$`));
      expect((await get('dev01', `/installedBase/${actionId}`)).json().deployment.chunks).toHaveLength(1);
    });

    it('failure closes the action in ERROR', async () => {
      const { actions } = await seed(server.database.db, server.blobs, server.keys, { assignments: [{ target: 'dev04', ds: 'gw:1.0', type: 'soft' }] });
      const actionId = actions[0]!.actionId;
      const dep = (await get('dev04', `/deploymentBase/${actionId}`)).json();
      expect(dep.deployment).toMatchObject({ download: 'attempt', update: 'attempt' });
      expect((await send('POST', 'dev04', `/deploymentBase/${actionId}/feedback`, feedback('closed', 'failure', { details: ['disk full'] }))).statusCode).toBe(
        200,
      );
      expect(await actionRow(actionId)).toMatchObject({ status: 'ERROR', active: false });
      expect((await targetRow('dev04')).update_status).toBe('ERROR');
    });

    it('the cancel handshake: CANCELING → cancelAction link → closed/success → CANCELED', async () => {
      const { actions } = await seed(server.database.db, server.blobs, server.keys, { assignments: [{ target: 'dev04', ds: 'gw:1.0' }] });
      const actionId = actions[0]!.actionId;
      await cancelAction(server.database.db, 'DEFAULT', actionId);
      const poll = (await get('dev04')).json();
      expect(poll._links.cancelAction.href).toMatch(new RegExp(`/cancelAction/${actionId}$`));
      expect((await get('dev04', `/deploymentBase/${actionId}`)).statusCode).toBe(404);
      expect((await get('dev04', `/cancelAction/${actionId}`)).json()).toEqual({ id: String(actionId), cancelAction: { stopId: String(actionId) } });
      expect((await send('POST', 'dev04', `/cancelAction/${actionId}/feedback`, feedback('rejected'))).statusCode).toBe(200);
      expect((await actionRow(actionId)).status).toBe('RUNNING');
      await cancelAction(server.database.db, 'DEFAULT', actionId);
      expect((await send('POST', 'dev04', `/cancelAction/${actionId}/feedback`, feedback('closed', 'success'))).statusCode).toBe(200);
      expect(await actionRow(actionId)).toMatchObject({ status: 'CANCELED', active: false });
    });

    it('download-only and maintenance windows say update: skip', async () => {
      const { actions } = await seed(server.database.db, server.blobs, server.keys, {
        assignments: [{ target: 'dev04', ds: 'gw:1.0', type: 'downloadonly' }],
      });
      const dep = (await get('dev04', `/deploymentBase/${actions[0]!.actionId}`)).json();
      expect(dep.deployment).toMatchObject({ download: 'forced', update: 'skip' });
      expect((await send('POST', 'dev04', `/deploymentBase/${actions[0]!.actionId}/feedback`, feedback('downloaded'))).statusCode).toBe(200);
      expect(await actionRow(actions[0]!.actionId)).toMatchObject({ status: 'DOWNLOADED', active: false });
      // A window that opened 2 hours ago for one hour: closed now.
      const h = (new Date().getUTCHours() + 22) % 24;
      const closed = await seed(server.database.db, server.blobs, server.keys, {
        assignments: [{ target: 'dev04', ds: 'gw:1.0', maintenanceWindow: { schedule: `0 0 ${h} * * ?`, duration: '01:00:00', timezone: 'UTC' } }],
      });
      const w = (await get('dev04', `/deploymentBase/${closed.actions[0]!.actionId}`)).json();
      expect(w.deployment).toMatchObject({ download: 'forced', update: 'skip', maintenanceWindow: 'unavailable' });
      const open = await seed(server.database.db, server.blobs, server.keys, {
        assignments: [{ target: 'dev04', ds: 'gw:1.0', maintenanceWindow: { schedule: '0 * * * * ?', duration: '00:59:59', timezone: 'UTC' } }],
      });
      const o = (await get('dev04', `/deploymentBase/${open.actions[0]!.actionId}`)).json();
      expect(o.deployment).toMatchObject({ update: 'forced', maintenanceWindow: 'available' });
    });

    it('bad input: malformed JSON, unknown execution, wrong types, oversized bodies — 4xx, nothing stored', async () => {
      const { actions } = await seed(server.database.db, server.blobs, server.keys, { assignments: [{ target: 'dev04', ds: 'gw:1.0' }] });
      const path = `/deploymentBase/${actions[0]!.actionId}/feedback`;
      const before = (await statuses(actions[0]!.actionId)).length;
      for (const payload of ['{not json', JSON.stringify(feedback('exploded')), JSON.stringify({ status: { execution: 'closed' } }), JSON.stringify([1, 2])]) {
        const res = await send('POST', 'dev04', path, payload);
        expect(res.statusCode, payload).toBe(400);
        expect(res.json().errorCode).toMatch(/^hawkbit\.server\.error\./);
      }
      const huge = await send('POST', 'dev04', path, JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
      expect(huge.statusCode).toBe(413);
      const tooMany = await send('POST', 'dev04', path, feedback('proceeding', 'none', { details: Array.from({ length: 51 }, (_, i) => `m${i}`) }));
      expect(tooMany.statusCode, tooMany.body).toBe(429);
      const xml = await send('POST', 'dev04', path, '<x/>', { 'content-type': 'application/xml' });
      expect(xml.statusCode).toBe(415);
      expect((await statuses(actions[0]!.actionId)).length).toBe(before);
      const badId = await get('bad/../id');
      expect(badId.statusCode).toBeGreaterThanOrEqual(400);
      expect(badId.statusCode).toBeLessThan(500);
    });

    it('the status quota per action answers 429', async () => {
      const { actions } = await seed(server.database.db, server.blobs, server.keys, { assignments: [{ target: 'dev04', ds: 'gw:1.0' }] });
      const actionId = actions[0]!.actionId;
      await server.database.db
        .insertInto('action_statuses')
        .values(
          Array.from({ length: 1000 }, () => ({ tenant: 'DEFAULT', action_id: actionId, status: 'RUNNING', code: null, messages: JSON.stringify(['x']) })),
        )
        .execute();
      const res = await send('POST', 'dev04', `/deploymentBase/${actionId}/feedback`, feedback('proceeding'));
      expect(res.statusCode).toBe(429);
      expect(res.json().errorCode).toBe('hawkbit.server.error.quota.tooManyEntries');
      // A final status is still accepted, so the device can always close its action.
      expect((await send('POST', 'dev04', `/deploymentBase/${actionId}/feedback`, feedback('closed', 'success'))).statusCode).toBe(200);
    });
  });

  describe('Osprey encryption extension', () => {
    it('an encrypted artifact carries the device’s own age header; the payload decrypts only with that key', async () => {
      const { actions } = await seed(server.database.db, server.blobs, server.keys, {
        assignments: [
          { target: 'dev02', ds: 'secret:2.0' },
          { target: 'dev03', ds: 'secret:2.0' },
        ],
      });
      const dep2 = (await get('dev02', `/deploymentBase/${actions[0]!.actionId}`)).json();
      const chunk = dep2.deployment.chunks[0];
      expect(chunk.encrypted).toBe(true);
      expect(chunk.part).toBe('bApp'); // hawkBit's legacy name for "application"
      const artifact = chunk.artifacts[0];
      expect(artifact.osprey.encryption.format).toBe('age-v1');
      const header = Buffer.from(artifact.osprey.encryption.header, 'base64');
      const payload = (await server.app.inject({ method: 'GET', url: new URL(artifact._links['download-http'].href).pathname, headers: auth('dev02') }))
        .rawPayload;
      expect(payload.includes(secret.subarray(0, 64))).toBe(false); // stored and served as ciphertext
      expect((await decrypt(Buffer.concat([header, payload]), [deviceKey])).equals(secret)).toBe(true);
      const dep3 = (await get('dev03', `/deploymentBase/${actions[1]!.actionId}`)).json();
      const header3 = Buffer.from(dep3.deployment.chunks[0].artifacts[0].osprey.encryption.header, 'base64');
      expect((await decrypt(Buffer.concat([header3, payload]), [otherKey])).equals(secret)).toBe(true);
      await expect(decrypt(Buffer.concat([header3, payload]), [deviceKey])).rejects.toMatchObject({ code: 'AGE_NO_MATCHING_KEY' });
    });

    it('a device may register its key once, only when the tenant allows it', async () => {
      const key = X25519Identity.generate().recipient.toString();
      expect((await send('PUT', 'dev01', '/osprey/publicKey', { publicKey: key })).statusCode).toBe(403);
      await seed(server.database.db, server.blobs, server.keys, { config: { 'device.publickey.selfregister.enabled': true } });
      expect((await send('PUT', 'dev01', '/osprey/publicKey', { publicKey: 'not-a-key-at-all' })).statusCode).toBe(400);
      expect((await send('PUT', 'dev01', '/osprey/publicKey', { publicKey: key })).statusCode).toBe(201);
      expect((await send('PUT', 'dev01', '/osprey/publicKey', { publicKey: key })).statusCode).toBe(200);
      const other = X25519Identity.generate().recipient.toString();
      expect((await send('PUT', 'dev01', '/osprey/publicKey', { publicKey: other })).statusCode).toBe(409);
      expect((await targetRow('dev01')).public_key).toBe(key);
      // A secure element's key as a PEM public key is stored as its age1tag1 recipient.
      const se = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      expect((await send('PUT', 'dev04', '/osprey/publicKey', { publicKey: se.publicKey.export({ format: 'pem', type: 'spki' }) })).statusCode).toBe(201);
      expect((await targetRow('dev04')).public_key).toBe(new P256TagIdentity(new SoftwareP256KeyAgreement(se.privateKey)).recipient.toString());
    });
  });

  describe('confirmation flow', () => {
    it('waits for consent, then deploys; auto-confirm confirms at once', async () => {
      await seed(server.database.db, server.blobs, server.keys, { config: { 'user.confirmation.flow.enabled': true } });
      try {
        const { actions } = await seed(server.database.db, server.blobs, server.keys, {
          targets: [{ controllerId: 'dev05', securityToken: 'token-dev05-abcdef' }],
          assignments: [{ target: 'dev05', ds: 'gw:1.0' }],
        });
        const actionId = actions[0]!.actionId;
        expect((await actionRow(actionId)).status).toBe('WAIT_FOR_CONFIRMATION');
        const poll = (await get('dev05')).json();
        expect(poll._links.confirmationBase.href).toMatch(new RegExp(`/confirmationBase/${actionId}\\?c=`));
        expect((await get('dev05', `/deploymentBase/${actionId}`)).statusCode).toBe(404);
        expect((await get('dev05', `/confirmationBase/${actionId}`)).json().confirmation.chunks).toHaveLength(1);
        expect((await send('POST', 'dev05', `/confirmationBase/${actionId}/feedback`, { confirmation: 'denied' })).statusCode).toBe(200);
        expect((await actionRow(actionId)).status).toBe('WAIT_FOR_CONFIRMATION');
        expect((await send('POST', 'dev05', `/confirmationBase/${actionId}/feedback`, { confirmation: 'confirmed', details: ['ok by user'] })).statusCode).toBe(
          200,
        );
        expect((await actionRow(actionId)).status).toBe('RUNNING');
        expect((await get('dev05')).json()._links.deploymentBase).toBeDefined();
        const next = await seed(server.database.db, server.blobs, server.keys, { assignments: [{ target: 'dev05', ds: 'gw:1.0' }] });
        expect((await send('POST', 'dev05', '/confirmationBase/activateAutoConfirm', { initiator: 'tester', remark: 'always' })).statusCode).toBe(200);
        expect((await actionRow(next.actions[0]!.actionId)).status).toBe('RUNNING');
        const state = (await get('dev05', '/confirmationBase')).json();
        expect(state.autoConfirm).toMatchObject({ active: true, initiator: 'tester', remark: 'always' });
        expect(state._links.deactivateAutoConfirm).toBeDefined();
      } finally {
        await seed(server.database.db, server.blobs, server.keys, { config: { 'user.confirmation.flow.enabled': false } });
      }
    });
  });

  it('records last-seen times in batches', async () => {
    await get('dev03');
    await server.ddi.flushLastSeen();
    expect((await targetRow('dev03')).last_seen_at).not.toBeNull();
  });
});
