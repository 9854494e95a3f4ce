/**
 * Findings of issue 12 in the fleet core of the management API (targets, software modules and
 * artifacts, distribution sets, assignments), over HTTP on PGlite and PostgreSQL. Each case is
 * an attack or a malformed request that used to be answered 500 or to leave something behind:
 *   - uploads: hash fields after the file part, a request refused after its file part, an
 *     unclosed multipart body — refused with a 400 that changes nothing (no row, no audit, no blob);
 *   - a distribution set that another tenant's rollout references: deleting it is a 409, not a 500;
 *   - integers beyond what a column holds and NUL bytes in text: 400, never a 500.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../../src/domain/audit.js';
import { restClient } from '../../../../testkit/rest.js';
import { hasPostgres, startTestServer, type DbKind, type TestServer } from '../../../../testkit/server.js';

const kinds: DbKind[] = ['pglite', ...((await hasPostgres()) ? (['postgres'] as const) : [])];
const ADMIN = `Basic ${Buffer.from('admin:admin-password').toString('base64')}`;

/** A multipart/form-data body written by hand, so a test can put parts in any order or leave it unclosed. */
function multipart(parts: Array<{ name: string; value: string | Buffer; filename?: string }>, options: { close?: boolean } = {}) {
  const boundary = `----osprey${randomBytes(8).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    const type = part.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  if (options.close ?? true) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(kinds)('fleet management API under attack on %s', (kind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(kind, {}, { listen: true });
  });
  afterAll(() => server?.stop());

  const api = restClient(() => server.url, ADMIN);
  const blobCount = () => {
    let n = 0;
    const root = join(server.dataDir, 'blobs', 'sha256');
    for (const d of readdirSync(root)) n += readdirSync(join(root, d)).length;
    return n;
  };
  const auditCount = async (tenant = 'DEFAULT') => (await readAudit(server.database.db, tenant)).length;
  const upload = (moduleId: number, body: { payload: Buffer; contentType: string }) =>
    server.app.inject({
      method: 'POST',
      url: `/rest/v1/softwaremodules/${moduleId}/artifacts`,
      headers: { authorization: ADMIN, 'content-type': body.contentType },
      payload: body.payload,
    });

  let moduleId = 0;
  beforeAll(async () => {
    const created = await api('POST', '/softwaremodules', [{ name: 'attacked', version: '1', type: 'os' }]);
    expect(created.status, created.text).toBe(201);
    moduleId = created.json[0].id;
  });

  /** Runs `attempt` and checks it changed nothing: no artifact row, no audit entry, no blob. */
  const changesNothing = async (attempt: () => Promise<{ statusCode: number; body: string }>) => {
    const [blobs, audit] = [blobCount(), await auditCount()];
    const res = await attempt();
    expect((await api('GET', `/softwaremodules/${moduleId}/artifacts`)).json).toEqual([]);
    expect(await auditCount()).toBe(audit);
    expect(blobCount()).toBe(blobs);
    return { status: res.statusCode, json: JSON.parse(res.body) as { errorCode: string; message: string } };
  };

  describe('uploads', () => {
    it('refuses hash fields sent after the file part, and stores nothing', async () => {
      const data = randomBytes(5000);
      for (const field of ['sha256sum', 'sha1sum', 'md5sum']) {
        const res = await changesNothing(() =>
          upload(
            moduleId,
            multipart([
              { name: 'file', value: data, filename: 'late-hash.bin' },
              { name: field, value: '0'.repeat(64) },
            ]),
          ),
        );
        expect(res.status, field).toBe(400);
        expect(res.json.message).toBe('send the hash fields before the file part');
        expect(res.json.errorCode).toBe('hawkbit.server.error.rest.param.invalid');
      }
    });

    it('stores nothing for a request refused after its file part (second file, unknown field, filename after the file)', async () => {
      const data = randomBytes(5000);
      const cases: Array<[Array<{ name: string; value: string | Buffer; filename?: string }>, RegExp]> = [
        [
          [
            { name: 'file', value: data, filename: 'one.bin' },
            { name: 'file', value: data, filename: 'two.bin' },
          ],
          /one file per request/,
        ],
        [
          [
            { name: 'file', value: data, filename: 'x.bin' },
            { name: 'colour', value: 'red' },
          ],
          /unknown form field colour/,
        ],
        [
          [
            { name: 'file', value: data, filename: 'x.bin' },
            { name: 'filename', value: 'y.bin' },
          ],
          /before the file part/,
        ],
      ];
      for (const [parts, message] of cases) {
        const res = await changesNothing(() => upload(moduleId, multipart(parts)));
        expect(res.status, JSON.stringify(parts.map((p) => p.name))).toBe(400);
        expect(res.json.message).toMatch(message);
      }
    });

    it('answers an unclosed multipart body with a 400, and stores nothing', async () => {
      const data = randomBytes(70_000);
      for (const body of [
        multipart([{ name: 'file', value: data, filename: 'cut.bin' }], { close: false }),
        // Cut in the middle of the file's bytes.
        (() => {
          const whole = multipart([{ name: 'file', value: data, filename: 'cut.bin' }]);
          return { ...whole, payload: whole.payload.subarray(0, 40_000) };
        })(),
        multipart([{ name: 'sha256sum', value: '0'.repeat(64) }], { close: false }),
      ]) {
        const res = await changesNothing(() => upload(moduleId, body));
        expect(res.status).toBe(400);
        expect(res.json.errorCode).toMatch(/^hawkbit\.server\.error\./);
      }
    });

    it('still accepts hash fields before the file part, and checks them', async () => {
      const data = randomBytes(5000);
      const { createHash } = await import('node:crypto');
      const sha256 = createHash('sha256').update(data).digest('hex');
      const res = await upload(
        moduleId,
        multipart([
          { name: 'sha256sum', value: sha256 },
          { name: 'file', value: data, filename: 'early-hash.bin' },
        ]),
      );
      expect(res.statusCode, res.body).toBe(201);
      expect(JSON.parse(res.body)).toMatchObject({ providedFilename: 'early-hash.bin', hashes: { sha256 } });
      // Leave the module as the other cases expect it: without artifacts.
      await server.database.db.deleteFrom('artifacts').where('module_id', '=', moduleId).execute();
    });
  });

  describe('distribution sets referenced across tenants', () => {
    it("deleting a set that another tenant's rollout names is a 409 (not a 500), and deletes nothing", async () => {
      const B = `FLEET_B_${kind.toUpperCase()}`;
      expect((await api('POST', '/tenants', { id: B, adminPassword: 'tenant-b-admin-password' })).status).toBe(201);
      const [ds] = (await api('POST', '/distributionsets', [{ name: 'referenced-elsewhere', version: '1' }])).json;
      const [own] = (
        await api(
          'POST',
          '/distributionsets',
          [{ name: 'b-own', version: '1' }],
          `Basic ${Buffer.from(`${B}\\admin:tenant-b-admin-password`).toString('base64')}`,
        )
      ).json;
      // A reference the rollouts API no longer lets anyone make, but old data may hold.
      await server.database.db
        .insertInto('rollouts')
        .values({
          tenant: B,
          name: 'cross-tenant rollback',
          description: null,
          ds_id: own.id,
          target_filter: 'name==*',
          status: 'ready',
          action_type: 'forced',
          forced_time: null,
          weight: null,
          confirmation_required: null,
          start_at: null,
          thresholds: JSON.stringify({ success: null, error: null }),
          rate_limit: null,
          abort_criteria: JSON.stringify([]),
          rollback_ds_id: ds.id,
          approval_remark: null,
          approval_decided_by: null,
          created_by: null,
        })
        .execute();
      const audit = await auditCount();
      const res = await api('DELETE', `/distributionsets/${ds.id}`);
      expect(res.status, res.text).toBe(409);
      expect(res.json.errorCode).toBe('hawkbit.server.error.repo.entityAlreadyExists');
      expect(res.json.message).not.toContain(B); // nothing about the other tenant
      expect((await api('GET', `/distributionsets/${ds.id}`)).status).toBe(200);
      expect(await auditCount()).toBe(audit);
      // A rollout of its own tenant keeps a set too.
      const [mine] = (await api('POST', '/distributionsets', [{ name: 'rolled-out', version: '1' }])).json;
      await server.database.db
        .insertInto('rollouts')
        .values({
          tenant: 'DEFAULT',
          name: `own rollout ${kind}`,
          description: null,
          ds_id: mine.id,
          target_filter: 'name==nothing-matches',
          status: 'ready',
          action_type: 'forced',
          forced_time: null,
          weight: null,
          confirmation_required: null,
          start_at: null,
          thresholds: JSON.stringify({ success: null, error: null }),
          rate_limit: null,
          abort_criteria: JSON.stringify([]),
          rollback_ds_id: null,
          approval_remark: null,
          approval_decided_by: null,
          created_by: null,
        })
        .execute();
      const kept = await api('DELETE', `/distributionsets/${mine.id}`);
      expect(kept.status, kept.text).toBe(409);
      expect(kept.json.message).toMatch(/rollout/);
      // An unreferenced set is deleted as before.
      const [free] = (await api('POST', '/distributionsets', [{ name: 'free', version: '1' }])).json;
      expect((await api('DELETE', `/distributionsets/${free.id}`)).status).toBe(204);
    });
  });

  describe('values the database cannot hold', () => {
    it('refuses integers beyond their column (forcetime, ids) with a 400', async () => {
      await api('POST', '/targets', [{ controllerId: 'range-1' }]);
      const [ds] = (await api('POST', '/distributionsets', [{ name: 'range', version: '1' }])).json;
      const cases: Array<[string, string, unknown]> = [
        ['POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'range-1', type: 'timeforced', forcetime: 9007199254740991 }]],
        ['POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'range-1', type: 'timeforced', forcetime: 8.64e15 + 1 }]],
        ['POST', '/targets/range-1/assignedDS', { id: ds.id, type: 'timeforced', forcetime: 1e300 }],
        ['POST', '/targets/range-1/assignedDS', { id: 1e300 }],
        ['POST', '/targets/range-1/assignedDS', { id: ds.id, weight: 2 ** 31 }],
        ['POST', '/distributionsets', [{ name: 'big-module', version: '1', modules: [{ id: 2 ** 63 }] }]],
      ];
      const audit = await auditCount();
      for (const [method, path, body] of cases) {
        const res = await api(method, path, body);
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`).toBe(400);
        expect(res.json.errorCode).toBe('hawkbit.server.error.rest.param.invalid');
      }
      expect(await auditCount()).toBe(audit);
      expect((await api('GET', '/targets/range-1/actions')).json.total).toBe(0);
    });

    it('refuses repeated query parameters with a 400 naming the parameter', async () => {
      for (const path of [
        '/targets?limit=1&limit=2',
        '/softwaremodules?q=name==a&q=name==b',
        '/distributionsets?sort=id:ASC&sort=id:DESC',
        '/targets/range-1/ageheader?tufTarget=a&tufTarget=b',
      ]) {
        const res = await api('GET', path);
        expect(res.status, `${path}: ${res.text}`).toBe(400);
        expect(res.json.message).toMatch(/^invalid (limit|q|sort|tufTarget): /);
      }
    });

    it('refuses timestamps beyond what the database holds in q', async () => {
      for (const path of ['/targets', '/softwaremodules', '/distributionsets', '/targets/range-1/actions']) {
        const res = await api('GET', `${path}?q=${encodeURIComponent('createdAt=gt=8640000000000000')}`);
        expect(res.status, `${path}: ${res.text}`).toBe(400);
      }
    });

    it('refuses NUL bytes in text fields, path segments and queries with a 400', async () => {
      await api('POST', '/targets', [{ controllerId: 'nul-1' }]);
      const [ds] = (await api('POST', '/distributionsets', [{ name: 'nul', version: '1' }])).json;
      const cases: Array<[string, string, unknown?]> = [
        ['POST', '/targets', [{ controllerId: 'nul-2', name: 'a\u0000b' }]],
        ['POST', '/targets', [{ controllerId: 'nul-3', description: 'a\u0000b' }]],
        ['POST', '/targets', [{ controllerId: 'nul-4', address: 'a\u0000b' }]],
        ['POST', '/targets', [{ controllerId: 'nul-5', securityToken: 'token-with-\u0000-nul' }]],
        ['PUT', '/targets/nul-1', { name: 'a\u0000b' }],
        ['PUT', '/targets/nul-1', { description: '\u0000' }],
        ['GET', '/targets/nul%00x'],
        ['GET', '/targets/nul%00x/actions'],
        ['DELETE', '/targets/nul%00x'],
        ['GET', '/targets/nul-1/ageheader?tufTarget=a%00b'],
        ['GET', `/targets?q=${encodeURIComponent('name==a\u0000b')}`],
        ['GET', `/softwaremodules?q=${encodeURIComponent('name==a\u0000*')}`],
        ['GET', `/distributionsets?q=${encodeURIComponent('description==\u0000')}`],
        ['POST', '/softwaremodules', [{ name: 'a\u0000b', version: '1', type: 'os' }]],
        ['POST', '/softwaremodules', [{ name: 'ok', version: '1\u0000', type: 'os' }]],
        ['POST', '/softwaremodules', [{ name: 'ok', version: '1', type: 'os', vendor: '\u0000' }]],
        ['POST', '/softwaremodules', [{ name: 'ok', version: '1', type: 'o\u0000s' }]],
        ['POST', '/distributionsets', [{ name: 'a\u0000b', version: '1' }]],
        ['POST', '/distributionsets', [{ name: 'ok', version: '1', description: 'x\u0000' }]],
        ['POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'nul-1\u0000' }]],
        ['POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'nul-1', maintenanceWindow: { schedule: '0 0 * * *\u0000', duration: '01:00:00' } }]],
        [
          'POST',
          `/distributionsets/${ds.id}/assignedTargets`,
          [{ id: 'nul-1', maintenanceWindow: { schedule: '0 0 * * *', duration: '01:00:00', timezone: 'U\u0000TC' } }],
        ],
      ];
      const audit = await auditCount();
      for (const [method, path, body] of cases) {
        const res = await api(method, path, body);
        expect(res.status, `${method} ${path} ${JSON.stringify(body)}: ${res.text}`).toBe(400);
        expect(res.json.errorCode, `${method} ${path}`).toMatch(/^hawkbit\.server\.error\.rest\.param\./);
      }
      expect(await auditCount()).toBe(audit);
      const upload = multipart([
        { name: 'filename', value: 'a\u0000b' },
        { name: 'file', value: 'x', filename: 'x.bin' },
      ]);
      const res = await changesNothing(() =>
        server.app.inject({
          method: 'POST',
          url: `/rest/v1/softwaremodules/${moduleId}/artifacts`,
          headers: { authorization: ADMIN, 'content-type': upload.contentType },
          payload: upload.payload,
        }),
      );
      expect(res.status).toBe(400);
    });
  });
});
