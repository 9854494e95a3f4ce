/**
 * Faults (issue 12): the server is killed (SIGKILL: no shutdown code runs) during an upload, while
 * it publishes a release and while rollout ticks create actions; it is started again on the same
 * data (the embedded default: PGlite and files). Afterwards nothing partial is visible, tuf-js
 * refreshes the repository, and no action is lost or duplicated.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Updater } from 'tuf-js';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyAuditChain, type AuditEntry } from '@osprey/core';
import { restClient } from '../../../../testkit/rest.js';
import { startServerProcess, type ServerProcess } from '../../../../testkit/server-process.js';

const ADMIN = `Basic ${Buffer.from('admin:admin-password').toString('base64')}`;
const work = mkdtempSync(join(tmpdir(), 'osprey-kill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let server: ServerProcess | undefined;
afterAll(() => server?.kill());
const api = restClient(() => server!.url, ADMIN);

async function restart(dataDir: string): Promise<void> {
  await server?.kill();
  server = await startServerProcess(dataDir, { OSPREY_ROLLOUT_TICK_MS: '200' });
}

async function auditIntact(): Promise<void> {
  const jsonl = (await api('GET', '/audit?format=jsonl')).text;
  const entries = jsonl
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditEntry);
  expect(entries.length).toBeGreaterThan(0);
  expect(verifyAuditChain(entries)).toMatchObject({ ok: true });
}

describe('server killed and restarted on the same data', () => {
  it('during an upload: no artifact, no blob, the audit chain intact', async () => {
    const dataDir = join(work, 'upload');
    await restart(dataDir);
    const module = await api('POST', '/softwaremodules', [{ name: 'kill-upload', version: '1.0', type: 'os' }]);
    expect(module.status).toBe(201);
    const moduleId = module.json[0].id as number;

    // A 64 MiB multipart upload that trickles; the server dies after the first megabytes.
    const boundary = 'osprey-kill-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.img"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    );
    let sent = 0;
    const chunk = Buffer.alloc(256 * 1024, 7);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
      },
      async pull(controller) {
        if (sent >= 64 * 1024 * 1024) return controller.close();
        sent += chunk.length;
        controller.enqueue(chunk);
        await delay(5);
      },
    });
    const upload = fetch(`${server!.url}/rest/v1/softwaremodules/${moduleId}/artifacts`, {
      method: 'POST',
      headers: { authorization: ADMIN, 'content-type': `multipart/form-data; boundary=${boundary}` },
      body,
      duplex: 'half',
    } as RequestInit).catch((e: unknown) => e);
    while (sent < 4 * 1024 * 1024) await delay(10);
    await server!.kill();
    expect(await upload).toBeInstanceOf(Error); // the connection died: the client knows it did not succeed

    await restart(dataDir);
    expect((await api('GET', `/softwaremodules/${moduleId}/artifacts`)).json).toEqual([]);
    const blobs = join(dataDir, 'blobs', 'sha256');
    expect(readdirSync(blobs).flatMap((d) => readdirSync(join(blobs, d)))).toEqual([]);
    expect(readdirSync(join(dataDir, 'blobs', 'tmp'))).toEqual([]); // leftovers removed at start
    await auditIntact();
  });

  it('while publishing releases: tuf-js refreshes, and each release is all there or not at all', async () => {
    const dataDir = join(work, 'release');
    await restart(dataDir);
    const root = Buffer.from((await api('GET', '/tuf/root')).text);
    const sets: number[] = [];
    for (let i = 0; i < 4; i++) {
      const module = await api('POST', '/softwaremodules', [{ name: `kill-rel-${i}`, version: '1.0', type: 'os' }]);
      const form = new FormData();
      form.append('file', new Blob([Buffer.alloc(64 * 1024, i)]), `image-${i}.img`);
      expect((await api('POST', `/softwaremodules/${module.json[0].id}/artifacts`, form)).status).toBe(201);
      const ds = await api('POST', '/distributionsets', [{ name: `kill-rel-${i}`, version: '1.0', type: 'os', modules: [{ id: module.json[0].id }] }]);
      sets.push(ds.json[0].id as number);
    }
    for (const [i, dsId] of sets.entries()) {
      // Kill at a different moment of each publication: before, during or after its transaction.
      const publishing = api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 1, hardware: ['board-a'] }).catch((e: unknown) => e);
      await delay(i * 15);
      await server!.kill();
      await publishing;
      await restart(dataDir);

      const dir = join(work, `tuf-client-${i}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'root.json'), root);
      const updater = new Updater({
        metadataDir: dir,
        metadataBaseUrl: `${server!.url}/DEFAULT/tuf/metadata`,
        targetBaseUrl: `${server!.url}/DEFAULT/tuf/targets`,
        targetDir: dir,
      });
      await updater.refresh(); // a consistent repository whatever the moment of the kill
      const status = (await api('GET', `/distributionsets/${dsId}/release`)).json;
      const target = await updater.getTargetInfo(`kill-rel-${i}-1.0.img`).catch(() => undefined);
      // Released ⇔ signed into the targets metadata the device reads.
      if (status.state === 'released') expect(target).toBeDefined();
      else expect(status.state).not.toBe('released');
      // Whatever the kill interrupted can be done now, and then is complete.
      if (status.state !== 'released')
        expect((await api('POST', `/distributionsets/${dsId}/release`, { securityVersion: 1, hardware: ['board-a'] })).status).toBe(200);
    }
    await auditIntact();
  });

  it('during rollout ticks: every target gets exactly one action of the rollout', async () => {
    const dataDir = join(work, 'rollout');
    await restart(dataDir);
    const targets = Array.from({ length: 300 }, (_, i) => ({ controllerId: `kill-ro-${i}` }));
    expect((await api('POST', '/targets', targets)).status).toBe(201);
    const ds = await api('POST', '/distributionsets', [{ name: 'kill-ro', version: '1.0', type: 'os' }]);
    const rollout = await api('POST', '/rollouts', {
      name: 'kill-ro',
      distributionSetId: ds.json[0].id,
      targetFilterQuery: 'controllerId==kill-ro-*',
      amountGroups: 6,
    });
    expect(rollout.status).toBe(201);
    const id = rollout.json.id as number;
    const started = await api('POST', `/rollouts/${id}/start`);
    expect(started.status).toBeLessThan(300);
    // Kill the scheduler at several moments while it creates and starts the groups' actions.
    for (const wait of [30, 120, 250]) {
      await delay(wait);
      await restart(dataDir);
    }
    let finished = false;
    for (let i = 0; i < 200 && !finished; i++) {
      const groups = (await api('GET', `/rollouts/${id}/deploygroups?limit=50`)).json.content as Array<{ status: string }>;
      finished = groups.length === 6 && groups.every((g) => g.status === 'running' || g.status === 'finished');
      if (!finished) await delay(100);
    }
    const actions = (await api('GET', `/actions?q=target.controllerId==kill-ro-*&limit=500`)).json.content as Array<{ _links: { target: { href: string } } }>;
    const perTarget = new Map<string, number>();
    for (const a of actions) perTarget.set(a._links.target.href, (perTarget.get(a._links.target.href) ?? 0) + 1);
    expect(perTarget.size).toBe(targets.length);
    expect([...perTarget.values()].every((n) => n === 1)).toBe(true);
    await auditIntact();
  });
});
