/**
 * The management API (/rest/v1) over HTTP on PGlite and PostgreSQL: authentication, targets,
 * software modules with streamed uploads, distribution sets, assignment visible over DDI,
 * actions, tenant configuration, paging/sorting/RSQL, and bad input that changes nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../src/domain/audit.js';
import { verifyAuditChain } from '@osprey/core';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../testkit/server.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];

describe.each(kinds)('management API on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, { maxArtifactBytes: 1024 * 1024 }, { listen: true });
  });
  afterAll(() => server?.stop());

  const api = restClient(() => server.url, ADMIN);
  const blobCount = () => {
    let n = 0;
    const root = join(server.dataDir, 'blobs', 'sha256');
    for (const d of readdirSync(root)) n += readdirSync(join(root, d)).length;
    return n;
  };

  it('refuses missing or wrong credentials with 401 and the hawkBit error body', async () => {
    expect((await api('GET', '/targets', undefined, '')).status).toBe(401);
    const wrong = await api('GET', '/targets', undefined, `Basic ${Buffer.from('admin:nope').toString('base64')}`);
    expect(wrong.status).toBe(401);
    expect(wrong.json.errorCode).toBe('hawkbit.server.error.unauthorized');
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect((await api('GET', '/userinfo', undefined, `Basic ${Buffer.from('DEFAULT\\admin:admin-password').toString('base64')}`)).json.tenant).toBe('DEFAULT');
  });

  it('creates, lists with paging/sort/RSQL, updates and deletes targets', async () => {
    const created = await api('POST', '/targets', [
      { controllerId: 'm-dev-1', name: 'Device 1', description: 'lab' },
      { controllerId: 'm-dev-2', name: 'Device 2' },
      { controllerId: 'm-dev-3', name: 'Other', securityToken: 'explicit-token-123' },
    ]);
    expect(created.status).toBe(201);
    expect(created.json).toHaveLength(3);
    expect(created.json[0].securityToken).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(created.json[2].securityToken).toBe('explicit-token-123');
    const page1 = await api('GET', '/targets?limit=2&offset=0&sort=controllerId:DESC&q=controllerId==m-dev-*');
    expect(page1.json.total).toBe(3);
    expect(page1.json.size).toBe(2);
    expect(page1.json.content.map((t: { controllerId: string }) => t.controllerId)).toEqual(['m-dev-3', 'm-dev-2']);
    const filtered = await api('GET', `/targets?q=${encodeURIComponent('name==Device*;description==lab')}`);
    expect(filtered.json.content.map((t: { controllerId: string }) => t.controllerId)).toEqual(['m-dev-1']);
    const updated = await api('PUT', '/targets/m-dev-1', { name: 'Renamed', address: 'lab-3' });
    expect(updated.json).toMatchObject({ name: 'Renamed', address: 'lab-3' });
    expect((await api('DELETE', '/targets/m-dev-2')).status).toBe(204);
    expect((await api('GET', '/targets/m-dev-2')).status).toBe(404);
  });

  it('bad input is a 4xx naming the problem, and creates nothing', async () => {
    const before = (await api('GET', '/targets')).json.total;
    const cases: Array<[unknown, number, RegExp]> = [
      ['{"controllerId":', 400, /JSON/],
      [[{ controllerId: 'x-1', colour: 'red' }], 400, /unknown field 0\.colour/],
      [[{ controllerId: 'bad id!' }], 400, /controllerId/],
      [[{ controllerId: 'dup-1' }, { controllerId: 'dup-1' }], 400, /twice/],
      [[{ controllerId: 'm-dev-1' }], 409, /already exists/],
      [[], 400, /at least|too small|>=1/i],
    ];
    for (const [body, status, message] of cases) {
      const res = await api('POST', '/targets', typeof body === 'string' ? body : body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(res.json.message).toMatch(message);
      expect(res.json.errorCode).toMatch(/^hawkbit\.server\.error\./);
    }
    const rsql = await api('GET', `/targets?q=${encodeURIComponent('nosuchfield==1')}`);
    expect(rsql.status).toBe(400);
    expect(rsql.json.errorCode).toBe('hawkbit.server.error.rest.param.rsqlInvalidField');
    expect((await api('GET', `/targets?q=${encodeURIComponent('name==(')}`)).json.errorCode).toBe('hawkbit.server.error.rest.param.rsqlSearchSyntax');
    expect((await api('GET', '/targets?sort=name:SIDEWAYS')).status).toBe(400);
    expect((await api('GET', '/targets?limit=abc')).status).toBe(400);
    expect((await api('GET', '/targets')).json.total).toBe(before);
  });

  it('uploads artifacts streamed, checks hashes, refuses oversize and leaves nothing behind', async () => {
    const [plain, secret] = (
      await api('POST', '/softwaremodules', [
        { name: 'fw', version: '1.0', type: 'os' },
        { name: 'fw-secret', version: '1.0', type: 'os', encrypted: true },
      ])
    ).json;
    const data = randomBytes(200_000);
    const upload = (moduleId: number, fields: Record<string, string>, bytes = data) => {
      const form = new FormData();
      for (const [k, v] of Object.entries(fields)) form.append(k, v);
      form.append('file', new Blob([bytes]), 'image.bin');
      return api('POST', `/softwaremodules/${moduleId}/artifacts`, form);
    };
    const blobsBefore = blobCount();
    const mismatch = await upload(plain.id, { sha256sum: '0'.repeat(64) });
    expect(mismatch.status).toBe(400);
    expect(mismatch.json.message).toMatch(/sha256 mismatch/);
    const tooBig = await upload(plain.id, {}, randomBytes(1024 * 1024 + 10));
    expect(tooBig.status).toBe(413);
    expect(blobCount()).toBe(blobsBefore);
    expect((await api('GET', `/softwaremodules/${plain.id}/artifacts`)).json).toEqual([]);
    const ok = await upload(plain.id, { sha256sum: createHash('sha256').update(data).digest('hex'), md5sum: createHash('md5').update(data).digest('hex') });
    expect(ok.status).toBe(201);
    expect(ok.json).toMatchObject({ providedFilename: 'image.bin', size: data.length, hashes: { sha256: createHash('sha256').update(data).digest('hex') } });
    const dup = await upload(plain.id, {});
    expect(dup.status).toBe(409);
    const enc = await upload(secret.id, { sha256sum: createHash('sha256').update(data).digest('hex') });
    expect(enc.status).toBe(201);
    expect(enc.json.encrypted).toBe(true);
    expect(enc.json.plaintext.sha256).toBe(createHash('sha256').update(data).digest('hex'));
    const stored = Buffer.from(
      await (
        await fetch(`${server.url}/rest/v1/softwaremodules/${secret.id}/artifacts/${enc.json.id}/download`, { headers: { authorization: ADMIN } })
      ).arrayBuffer(),
    );
    expect(stored.subarray(0, 16).equals(data.subarray(0, 16))).toBe(false); // ciphertext, not the upload
    expect(stored.length).toBe(enc.json.size);
  });

  it('refuses an oversized file sent slowly with 413 too, not as an unreadable body', async () => {
    // A browser streams a large file in chunks as the network allows: the size limit is met while
    // the body is still arriving, and the store's refusal must stay a 413.
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'fw-slow', version: '1.0', type: 'os' }])).json;
    const boundary = 'osprey-slow-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const chunks = [head, ...Array.from({ length: 40 }, () => randomBytes(64 * 1024)), tail];
    const blobsBefore = blobCount();
    // node:http, not fetch: the server may answer and close while the client is still sending, and
    // the answer must be read even though the rest of the body can no longer be written (EPIPE).
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const url = new URL(`${server.url}/rest/v1/softwaremodules/${module.id}/artifacts`);
      const req = httpRequest(url, { method: 'POST', headers: { authorization: ADMIN, 'content-type': `multipart/form-data; boundary=${boundary}` } });
      let answered = false;
      req.on('response', (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', (e) => {
        if (!answered) reject(e);
      });
      const next = () => {
        const chunk = chunks.shift();
        if (!chunk) return void req.end();
        // Yield to the event loop between chunks (no timer): the server reads each as it comes.
        if (req.write(chunk)) setImmediate(next);
        else req.once('drain', next);
      };
      next();
    });
    expect(answer.status).toBe(413);
    expect((JSON.parse(answer.text) as { message: string }).message).toMatch(/larger than the limit/);
    expect(blobCount()).toBe(blobsBefore);
  });

  it('assigns a distribution set; the device sees it over DDI; actions list and cancel', async () => {
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'app', version: '7', type: 'application' }])).json;
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'app-ds', version: '7', type: 'app', modules: [{ id: module.id }] }])).json;
    expect(ds.modules).toHaveLength(1);
    const result = await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'm-dev-3', type: 'soft', weight: 10 }]);
    expect(result.json).toMatchObject({ assigned: 1, alreadyAssigned: 0, total: 1 });
    const again = await api('POST', '/targets/m-dev-3/assignedDS', { id: ds.id });
    expect(again.json).toMatchObject({ assigned: 0, alreadyAssigned: 1 });
    await server.ddi.settle();
    const poll = await fetch(`${server.url}/DEFAULT/controller/v1/m-dev-3`, { headers: { authorization: 'TargetToken explicit-token-123' } });
    expect(((await poll.json()) as any)._links.deploymentBase.href).toContain(`/deploymentBase/${result.json.assignedActions[0].id}`);
    const actions = await api('GET', '/targets/m-dev-3/actions?q=status==running');
    expect(actions.json.content[0]).toMatchObject({ id: result.json.assignedActions[0].id, status: 'running', forceType: 'soft', weight: 10 });
    expect((await api('GET', '/targets/m-dev-3/assignedDS')).json.id).toBe(ds.id);
    expect((await api('DELETE', `/targets/m-dev-3/actions/${result.json.assignedActions[0].id}`)).status).toBe(204);
    expect((await api('GET', `/targets/m-dev-3/actions/${result.json.assignedActions[0].id}`)).json.status).toBe('canceling');
    expect((await api('DELETE', `/distributionsets/${ds.id}`)).status).toBe(409);
  });

  it('lists actions across the tenant; force, cancel and force-quit follow hawkBit’s rules', async () => {
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'lever', version: '1', type: 'os' }])).json;
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'lever', version: '1', modules: [{ id: module.id }] }])).json;
    const { json } = await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'm-dev-1', type: 'soft' }]);
    const actionId = json.assignedActions[0].id;
    const listed = await api('GET', `/actions?q=${encodeURIComponent(`distributionSet.id==${ds.id};status==running`)}`);
    expect(listed.json.content.map((a: { id: number }) => a.id)).toEqual([actionId]);
    expect((await api('PUT', `/targets/m-dev-1/actions/${actionId}`, { forceType: 'forced' })).json.forceType).toBe('forced');
    expect((await api('PUT', `/targets/m-dev-1/actions/${actionId}`, { forceType: 'soft' })).status).toBe(400);
    expect((await api('DELETE', `/actions/${actionId}?force=true`)).status).toBe(405); // running, not canceling
    expect((await api('DELETE', `/actions/${actionId}`)).status).toBe(204); // cancel → canceling
    expect((await api('DELETE', `/actions/${actionId}?force=true`)).status).toBe(204);
    expect((await api('GET', `/actions/${actionId}`)).json).toMatchObject({ status: 'canceled', active: false });
  });

  it('reads and changes tenant configuration, validating keys and values', async () => {
    const configs = await api('GET', '/system/configs');
    expect(configs.json.pollingTime.value).toBe('00:05:00');
    expect((await api('PUT', '/system/configs/pollingTime', { value: '00:00:30' })).status).toBe(200);
    expect((await api('GET', '/system/configs')).json.pollingTime).toEqual({ value: '00:00:30', global: false });
    expect((await api('PUT', '/system/configs/pollingTime', { value: 'soon' })).status).toBe(400);
    expect((await api('PUT', '/system/configs/no.such.key', { value: 1 })).status).toBe(400);
  });

  it('audits every change in a hash chain that verifies', async () => {
    const entries = await readAudit(server.database.db, 'DEFAULT');
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        'target.create',
        'target.update',
        'target.delete',
        'softwaremodule.create',
        'artifact.create',
        'distributionset.create',
        'distributionset.assign',
        'action.cancel',
        'action.force',
        'action.forcequit',
        'config.update',
      ]),
    );
    expect(entries.every((e) => e.actor === 'user:admin')).toBe(true);
    expect(verifyAuditChain(entries).ok).toBe(true);
  });
});
