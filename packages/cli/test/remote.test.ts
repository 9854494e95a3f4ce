/**
 * The CLI against a real server: login with an API token, create a module, upload a file
 * streamed (hash checked end to end), create a distribution set, assign it, and verify the
 * server's audit log export with `osprey audit verify`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { runCli } from './run-cli.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

const work = tempDirForFile('osprey-remote-');
const env = { passphrase: undefined, pkcs11: { module: undefined, tokenLabel: undefined, pin: undefined }, interactive: false };

function osprey(args: string[]) {
  return runCli(args, env);
}

describe('osprey against a server', () => {
  let server: TestServer;
  const token = `osp_${randomBytes(24).toString('base64url')}`;

  beforeAll(async () => {
    process.env.OSPREY_CONFIG_DIR = join(work, 'config');
    server = await startTestServer('pglite', {}, { listen: true });
    await server.database.db
      .insertInto('api_tokens')
      .values({
        tenant: 'DEFAULT',
        name: 'pipeline',
        owner: 'admin',
        token_hash: createHash('sha256').update(token).digest('hex'),
        roles: JSON.stringify(['TENANT_ADMIN']),
      })
      .execute();
  });
  afterAll(async () => {
    delete process.env.OSPREY_CONFIG_DIR;
    await server?.stop();
  });

  it('logs in with a token and keeps the profile private', async () => {
    const bad = await osprey(['login', '--url', server.url, '--token', 'osp_wrongwrongwrongwrongwrong']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/401/);
    const ok = await osprey(['login', '--url', server.url, '--token', token]);
    expect(ok.code, ok.err).toBe(0);
    expect(statSync(join(work, 'config', 'profiles.json')).mode & 0o777).toBe(0o600);
  });

  it('creates a module, uploads a file, creates a set and assigns it', async () => {
    const m = await osprey(['module', 'create', '--name', 'gw', '--version', '1.0', '--encrypted']);
    expect(m.code, m.err).toBe(0);
    const file = join(work, 'image.bin');
    const data = randomBytes(3 * 1024 * 1024 + 5);
    writeFileSync(file, data);
    const up = await osprey(['upload', file, '--module', String(m.json.id)]);
    expect(up.code, up.err).toBe(0);
    expect(up.json).toMatchObject({
      providedFilename: 'image.bin',
      encrypted: true,
      plaintext: { size: data.length, sha256: createHash('sha256').update(data).digest('hex') },
    });
    const ds = await osprey(['ds', 'create', '--name', 'gw', '--version', '1.0', '--module', String(m.json.id)]);
    expect(ds.code, ds.err).toBe(0);
    await server.database.db
      .insertInto('targets')
      .values({
        tenant: 'DEFAULT',
        controller_id: 'cli-dev',
        name: 'cli-dev',
        security_token: 't',
        address: null,
        last_seen_at: null,
        attributes: JSON.stringify({}),
        update_status: 'UNKNOWN',
        installed_ds_id: null,
        assigned_ds_id: null,
        auto_confirm: null,
        public_key: null,
        public_key_source: null,
      })
      .execute();
    const assigned = await osprey(['assign', String(ds.json.id), '--target', 'cli-dev', '--type', 'soft']);
    expect(assigned.code, assigned.err).toBe(0);
    expect(assigned.json).toMatchObject({ assigned: 1, total: 1 });
    const missing = await osprey(['assign', String(ds.json.id), '--target', 'no-such-device']);
    expect(missing.code).toBe(2);
    expect(missing.err.trim().split('\n')).toHaveLength(1);
    expect(missing.err).toMatch(/404/);
  });

  it('verifies the server audit log export, and detects an edited entry', async () => {
    const response = await fetch(`${server.url}/rest/v1/audit?format=jsonl`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    const jsonl = await response.text();
    writeFileSync(join(work, 'audit.jsonl'), jsonl);
    const ok = await osprey(['audit', 'verify', join(work, 'audit.jsonl')]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.json.entries).toBeGreaterThanOrEqual(4);
    const lines = jsonl.trim().split('\n');
    const edited = JSON.parse(lines[1]!);
    edited.actor = 'token:someone-else';
    lines[1] = JSON.stringify(edited);
    writeFileSync(join(work, 'audit-edited.jsonl'), lines.join('\n') + '\n');
    const broken = await osprey(['audit', 'verify', join(work, 'audit-edited.jsonl')]);
    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/audit chain broken at entry 2/);
  });
});
