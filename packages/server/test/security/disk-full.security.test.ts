/**
 * Fault (issue 12): the disk fills during an upload. The artifact store sits on a tmpfs of 8 MiB;
 * a 12 MiB upload runs out of space. The answer is 507 with an error code (not a 500), nothing is
 * stored (no artifact, no blob, no temporary file, no audit entry), and once space is free a
 * smaller upload succeeds. Needs root to mount the tmpfs: CI runs as root.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient } from '../../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';
import { hasTool } from '../../../../testkit/tools.js';

const ADMIN = `Basic ${Buffer.from('admin:admin-password').toString('base64')}`;
const canMount = hasTool('a tmpfs mount (root)', () => process.getuid?.() === 0, 'run the tests as root, as CI does');

describe.runIf(canMount)('disk full during an upload', () => {
  const mountPoint = mkdtempSync(join(tmpdir(), 'osprey-full-'));
  let server: TestServer;
  const api = restClient(() => server.url, ADMIN);
  const blobs = join(mountPoint, 'blobs');

  beforeAll(async () => {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', mountPoint]);
    // The database stays in memory; the data directory (artifact store, key files) is the small disk.
    server = await startTestServer('pglite', { maxArtifactBytes: 64 * 1024 * 1024, dataDir: mountPoint }, { listen: true });
  });
  afterAll(async () => {
    await server?.stop();
    execFileSync('umount', ['-l', mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });

  const upload = (moduleId: number, size: number) => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(size, 1)]), `image-${size}.img`);
    return api('POST', `/softwaremodules/${moduleId}/artifacts`, form);
  };
  const files = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [e.name]));

  it('answers 507, stores nothing, and accepts the next upload that fits', async () => {
    const module = await api('POST', '/softwaremodules', [{ name: 'full', version: '1.0', type: 'os' }]);
    const moduleId = module.json[0].id as number;
    const auditBefore = (await api('GET', '/audit?format=jsonl')).text.split('\n').filter(Boolean).length;

    const refused = await upload(moduleId, 12 * 1024 * 1024);
    expect(refused.status).toBe(507);
    expect(refused.json.errorCode).toBe('osprey.server.error.storage.full');
    expect(refused.json.message).toMatch(/storage is full/);
    expect((await api('GET', `/softwaremodules/${moduleId}/artifacts`)).json).toEqual([]);
    expect(files(blobs)).toEqual([]);
    expect((await api('GET', '/audit?format=jsonl')).text.split('\n').filter(Boolean).length).toBe(auditBefore);

    const fits = await upload(moduleId, 1024 * 1024);
    expect(fits.status).toBe(201);
    expect((await api('GET', `/softwaremodules/${moduleId}/artifacts`)).json).toHaveLength(1);
  });
});
