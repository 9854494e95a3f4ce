/**
 * Offline installs end to end with the real command lines on both sides: a release published on a
 * real Osprey server, `osprey bundle create` (its TUF metadata and payload from the server, the
 * device's header from its deployment), then `osprey-agent install <bundle>` on a device that
 * never talks to the server: committed in the inactive slot; refused with one line and exit 1 for a
 * device the bundle was not made for, a downgrade, a truncated copy, and while another agent runs.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileSlot, SimulatedBootloader } from '@osprey/agent';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { makeRelease, sha256 } from './device-kit.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const AGENT_CLI = join(ROOT, 'packages/agent/dist/cli.js');
const OSPREY_CLI = join(ROOT, 'packages/cli/dist/main.js');
const OLD = randomBytes(150_000);
const NEW = randomBytes(4 * 65536 + 999);

function run(cli: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('osprey-agent install <bundle> (offline)', () => {
  let server: TestServer;
  const work = tempDirForFile('osprey-offline-');
  const api = restClient(() => server.url, ADMIN);
  let rootJson: Buffer;

  /** A device laid out on disk and provisioned by the agent's own CLI; it never talks to the server. */
  const device = async (id: string) => {
    const dir = join(work, id);
    const files = {
      dir,
      config: join(dir, 'agent.json'),
      slotA: join(dir, 'slot-a.img'),
      slotB: join(dir, 'slot-b.img'),
      bootenv: join(dir, 'bootenv'),
      metadataDir: join(dir, 'tuf'),
    };
    mkdirSync(files.metadataDir, { recursive: true });
    writeFileSync(join(files.metadataDir, 'root.json'), rootJson);
    writeFileSync(
      files.config,
      JSON.stringify({
        server: 'http://127.0.0.1:9', // never contacted: the install is offline
        controllerId: id,
        token: 'unused-token-0123456789',
        hardware: 'board-a',
        metadataDir: files.metadataDir,
        stateDir: dir,
        slots: { a: files.slotA, b: files.slotB },
        bootloader: { kind: 'simulated', envPath: files.bootenv },
        key: { file: join(dir, 'device.pem') },
      }),
    );
    const provisioned = await run(AGENT_CLI, ['provision', '--config', files.config]);
    expect(provisioned.code, provisioned.err).toBe(0);
    await new FileSlot('a', files.slotA).write(
      (async function* () {
        yield OLD;
      })(),
      { length: OLD.length, sha256: sha256(OLD) },
    );
    return { files, pem: provisioned.out.slice(provisioned.out.indexOf('-----BEGIN')) };
  };

  /** `osprey bundle create` for the release of `setId`, with the header the server made for the device with key `pem`. */
  const bundleFor = async (id: string, pem: string, setId: number, target: string) => {
    const token = `token-${id}-0123456789`;
    const created = await api('POST', '/targets', [{ controllerId: id, securityToken: token, publicKey: pem }]);
    expect([201, 409]).toContain(created.status);
    expect((await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }])).json.assigned).toBe(1);
    await server.ddi.settle();
    const actionId = (await api('GET', `/targets/${id}/actions?sort=id:DESC`)).json.content[0].id as number;
    const deployment = (await (
      await fetch(`${server.url}/DEFAULT/controller/v1/${id}/deploymentBase/${actionId}`, { headers: { authorization: `TargetToken ${token}` } })
    ).json()) as {
      deployment: { chunks: Array<{ artifacts: Array<{ osprey: { encryption: { header: string } } }> }> };
    };
    const header = join(work, `${id}-${target}.hdr`);
    writeFileSync(header, Buffer.from(deployment.deployment.chunks[0]!.artifacts[0]!.osprey.encryption.header, 'base64'));
    const out = join(work, `${id}-${target}.osb`);
    const made = await run(OSPREY_CLI, [
      'bundle',
      'create',
      '--server',
      server.url,
      '--tenant',
      'DEFAULT',
      '--target',
      target,
      '--header',
      header,
      '--out',
      out,
    ]);
    expect(made.code, made.err).toBe(0);
    return out;
  };

  let newSet: number;
  let olderSet: number;
  let dev: Awaited<ReturnType<typeof device>>;
  let bundle: string;
  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
    rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    newSet = await makeRelease(api, 'gw-os', '3.0.0', NEW, { encrypted: true, release: { securityVersion: 4, hardware: ['board-a'] } });
    olderSet = await makeRelease(api, 'gw-os', '2.9.0', OLD, { encrypted: true, release: { securityVersion: 3, hardware: ['board-a'] } });
    dev = await device('usb-1');
    bundle = await bundleFor('usb-1', dev.pem, newSet, 'gw-os-3.0.0.age');
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('installs, activates, health-checks and commits the release in slot b', async () => {
    const { files } = dev;
    const r = await run(AGENT_CLI, ['install', bundle, '--config', files.config]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('osprey-agent: installed gw-os 3.0.0 in slot b');
    expect(sha256(readFileSync(files.slotB))).toBe(sha256(NEW));
    expect(sha256(readFileSync(files.slotA))).toBe(sha256(OLD));
    expect(await new SimulatedBootloader(files.bootenv).status()).toMatchObject({ active: 'b', booted: 'b', pendingTry: null });
    const status = JSON.parse((await run(AGENT_CLI, ['status', '--config', files.config])).out) as unknown;
    expect(status).toMatchObject({ state: { phase: 'idle' }, installed: { version: '3.0.0', slot: 'b' }, securityVersion: 4 });
  });

  it("refuses a downgrade (security version 3 below the device's 4) in one line; nothing changes", async () => {
    const older = await bundleFor('usb-1', dev.pem, olderSet, 'gw-os-2.9.0.age');
    const r = await run(AGENT_CLI, ['install', older, '--config', dev.files.config]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^osprey-agent: RELEASE_DOWNGRADE: /);
    expect(await new SimulatedBootloader(dev.files.bootenv).status()).toMatchObject({ active: 'b', booted: 'b', pendingTry: null });
    expect(sha256(readFileSync(dev.files.slotB))).toBe(sha256(NEW));
  });

  it('refuses a truncated copy in one line, and while another agent holds the device', async () => {
    const cut = join(work, 'cut.osb');
    copyFileSync(bundle, cut);
    truncateSync(cut, statSync(cut).size - 70_000);
    const truncated = await run(AGENT_CLI, ['install', cut, '--config', dev.files.config]);
    expect(truncated.code).toBe(1);
    expect(truncated.err.trim().split('\n')).toHaveLength(1);
    expect(truncated.err).toMatch(/^osprey-agent: AGENT_BUNDLE_TRUNCATED: /);

    const holder = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dev.files.dir, 'agent.lock'), `${holder.pid}\n`);
      const locked = await run(AGENT_CLI, ['install', bundle, '--config', dev.files.config]);
      expect(locked.code).toBe(1);
      expect(locked.err).toContain(`another osprey-agent (pid ${holder.pid})`);
    } finally {
      holder.kill('SIGKILL');
    }
    expect(await new SimulatedBootloader(dev.files.bootenv).status()).toMatchObject({ active: 'b', booted: 'b', pendingTry: null });
  });

  it("a bundle made for another device: its header does not open with this device's key; old slot kept, exit 1", async () => {
    const stranger = await device('usb-2');
    const r = await run(AGENT_CLI, ['install', bundle, '--config', stranger.files.config]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not installed \(failed\): AGE_NO_MATCHING_KEY: /);
    expect(await new SimulatedBootloader(stranger.files.bootenv).status()).toMatchObject({ active: 'a', booted: 'a', pendingTry: null });
    expect(sha256(readFileSync(stranger.files.slotA))).toBe(sha256(OLD));
    const status = JSON.parse((await run(AGENT_CLI, ['status', '--config', stranger.files.config])).out) as unknown;
    expect(status).toMatchObject({ state: { phase: 'idle' }, installed: null, securityVersion: 0 });
  });
  it('a replaced trust anchor (another root.json in the metadata directory) is refused before anything is read', async () => {
    const victim = await device('usb-3');
    // An attacker's root: well-formed TUF, but not the one provisioned (and sealed) on this device.
    const foreign = JSON.parse(rootJson.toString()) as { signed: { version: number } };
    foreign.signed.version = 1;
    writeFileSync(join(victim.files.metadataDir, 'root.json'), `${JSON.stringify(foreign, null, 1)}\n`);
    const r = await run(AGENT_CLI, ['install', bundle, '--config', victim.files.config]);
    expect(r.code).toBe(1);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^osprey-agent: AGENT_TUF_ROOT_TAMPERED: /);
    expect(await new SimulatedBootloader(victim.files.bootenv).status()).toMatchObject({ active: 'a', booted: 'a', pendingTry: null });
  });
});
