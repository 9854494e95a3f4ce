/**
 * The `Agent` orchestrator end to end against a real Osprey server (PGlite): full encrypted update
 * with the device key in SoftHSM2, health-check rollback, downgrade refusal, and another device's
 * header, each ending with the right action status and messages on the server.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Token } from '@osprey/pkcs11';
import {
  AbSlots,
  CommandSlot,
  DdiClient,
  DirectorySlot,
  fetchTransport,
  Pkcs11Element,
  SimulatedBootloader,
  SoftwareKeyElement,
  SymlinkBootloader,
  type HttpTransport,
  type SecureElement,
} from '@osprey/agent';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { createSoftHsmToken, type SoftHsmToken } from '../../../testkit/softhsm.js';
import { hasSoftHsm } from '../../../testkit/tools.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { makeRelease, openDevice, provisionDevice, settle, sha256 } from './device-kit.js';

const OLD = randomBytes(200_000);
const NEW = randomBytes(3 * 65536 + 4321);
const softHsm = hasSoftHsm();

describe('Agent end to end against an Osprey server', () => {
  let server: TestServer;
  let hsm: SoftHsmToken | undefined;
  let token: Pkcs11Token | undefined;
  const work = tempDirForFile('osprey-agent-orch-');
  const api = restClient(() => server.url, ADMIN);
  let setId: number;
  let rootJson: Buffer;
  const elements: SecureElement[] = [];

  const device = async (id: string, element: SecureElement, options: { securityVersion?: number; registerKeyOf?: SecureElement } = {}) => {
    const own = await element.provision();
    const registered = options.registerKeyOf ? (await options.registerKeyOf.provision()).publicKeyPem : own.publicKeyPem;
    const { files, token: targetToken } = await provisionDevice(api, join(work, id), id, {
      rootJson,
      factoryImage: OLD,
      securityVersion: options.securityVersion ?? 1,
      publicKeyPem: registered,
    });
    return { files, connection: { server: server.url, id, token: targetToken } };
  };
  const assign = async (id: string) => {
    const res = await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id }]);
    expect(res.json.assigned).toBe(1);
    await server.ddi.settle();
    const actions = await api('GET', `/targets/${id}/actions`);
    return actions.json.content[0].id as number;
  };
  const action = async (id: string, actionId: number) => {
    const status = (await api('GET', `/targets/${id}/actions/${actionId}`)).json.status as string;
    const messages = ((await api('GET', `/targets/${id}/actions/${actionId}/status`)).json.content as Array<{ messages: string[] }>).flatMap((s) => s.messages);
    return { status, messages };
  };

  beforeAll(async () => {
    if (softHsm) {
      hsm = createSoftHsmToken('osprey-agent-orch', '2468');
      token = Pkcs11Token.open(hsm);
    }
    server = await startTestServer('pglite', {}, { listen: true });
    rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    setId = await makeRelease(api, 'gw-os', '2.0.0', NEW, { encrypted: true, release: { securityVersion: 5, hardware: ['board-a'] } });
  });
  afterAll(async () => {
    for (const e of elements) e.close();
    token?.close();
    await server?.stop();
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  });

  it.runIf(softHsm)('full encrypted update with a SoftHSM2 device key: FINISHED, new image committed in slot b', async () => {
    const element = new Pkcs11Element(token!, { label: 'orch-hsm-key' });
    elements.push(element);
    const { files, connection } = await device('orch-hsm', element);
    const actionId = await assign('orch-hsm');
    const dev = openDevice(files, connection, { element, healthCheck: async () => ({ ok: true }) });
    const log = await settle(dev.agent);
    expect(log).toEqual(
      expect.arrayContaining([
        'started action ' + actionId,
        'downloaded',
        'installed into slot b',
        'rebooted into the new slot',
        'committed',
        'reported committed',
      ]),
    );
    const boot = await dev.bootloader.status();
    expect(boot).toMatchObject({ active: 'b', booted: 'b', trial: false, pendingTry: null });
    expect(sha256(readFileSync(files.slotB))).toBe(sha256(NEW));
    expect(sha256(readFileSync(files.slotA))).toBe(sha256(OLD));
    expect(await dev.securityVersion.current()).toBe(5);
    expect(dev.agent.installed()).toMatchObject({ name: 'gw-os', version: '2.0.0', slot: 'b' });
    const result = await action('orch-hsm', actionId);
    expect(result.status).toBe('finished');
    expect(result.messages.some((m) => m.startsWith('installed gw-os 2.0.0 in slot b'))).toBe(true);
    // A later poll finds nothing to do.
    expect((await dev.agent.step()).did).toBe('polled');
  });

  it('a failing health check rolls back to the old slot and reports the reason: ERROR', async () => {
    const element = new SoftwareKeyElement(join(work, 'orch-sick.pem'));
    const { files, connection } = await device('orch-sick', element);
    const actionId = await assign('orch-sick');
    const dev = openDevice(files, connection, { element, healthCheck: async () => ({ ok: false, reason: 'service osprey-demo is not running' }) });
    const log = await settle(dev.agent);
    expect(log).toEqual(expect.arrayContaining(['rebooted into the new slot', 'rebooted into the previous slot', 'rolled back', 'reported rolled_back']));
    expect(await dev.bootloader.status()).toMatchObject({ active: 'a', booted: 'a', trial: false, pendingTry: null });
    expect(sha256(readFileSync(files.slotA))).toBe(sha256(OLD));
    expect(await dev.securityVersion.current()).toBe(1);
    const result = await action('orch-sick', actionId);
    expect(result.status).toBe('error');
    expect(result.messages).toContain('health check failed: service osprey-demo is not running');
    // The server asked for the device's attributes at its first poll (DDI configData).
    const attributes = (await api('GET', '/targets/orch-sick/attributes')).json as Record<string, string>;
    expect(attributes).toMatchObject({
      'osprey.hardware': 'board-a',
      'osprey.slot.active': 'a',
      'osprey.bootloader': 'simulated',
      'osprey.securityVersion': '1',
      'osprey.installTypes': 'image',
    });
  });

  it('a health check that times out rolls back too', async () => {
    const element = new SoftwareKeyElement(join(work, 'orch-slow.pem'));
    const { files, connection } = await device('orch-slow', element);
    const actionId = await assign('orch-slow');
    const dev = openDevice(files, connection, { element, healthTimeoutMs: 50, healthCheck: () => new Promise(() => {}) });
    await settle(dev.agent);
    expect(await dev.bootloader.status()).toMatchObject({ active: 'a', booted: 'a' });
    const result = await action('orch-slow', actionId);
    expect(result.status).toBe('error');
    expect(result.messages).toContain('health check timed out');
  });

  it('refuses a downgrade (device security version above the release): ERROR with RELEASE_DOWNGRADE, slots untouched', async () => {
    const element = new SoftwareKeyElement(join(work, 'orch-new.pem'));
    const { files, connection } = await device('orch-new', element, { securityVersion: 6 });
    const actionId = await assign('orch-new');
    const dev = openDevice(files, connection, { element });
    const log = await settle(dev.agent);
    expect(log[0]).toBe(`refused action ${actionId}: RELEASE_DOWNGRADE`);
    expect(existsSync(files.slotB)).toBe(false);
    expect(sha256(readFileSync(files.slotA))).toBe(sha256(OLD));
    expect(await dev.bootloader.status()).toMatchObject({ active: 'a', booted: 'a', pendingTry: null });
    expect(dev.store.load()).toMatchObject({ ok: true, state: { phase: 'idle' } });
    const result = await action('orch-new', actionId);
    expect(result.status).toBe('error');
    expect(result.messages.some((m) => m.startsWith('RELEASE_DOWNGRADE: '))).toBe(true);
    expect(result.messages).toContain('target gw-os-2.0.0.age');
  });

  it("another device's header does not decrypt: AGE_NO_MATCHING_KEY reported, old slot kept", async () => {
    // The server holds another device's public key for this target, so the header it sends is
    // wrapped for that device: this device's own key cannot open it.
    const other = new SoftwareKeyElement(join(work, 'orch-other.pem'));
    const element = new SoftwareKeyElement(join(work, 'orch-mine.pem'));
    const { files, connection } = await device('orch-mixed', element, { registerKeyOf: other });
    const actionId = await assign('orch-mixed');
    const dev = openDevice(files, connection, { element });
    const log = await settle(dev.agent);
    expect(log.some((l) => l.startsWith('failed: AGE_NO_MATCHING_KEY: '))).toBe(true);
    expect(existsSync(files.slotB)).toBe(false);
    expect(await dev.bootloader.status()).toMatchObject({ active: 'a', booted: 'a', pendingTry: null });
    const result = await action('orch-mixed', actionId);
    expect(result.status).toBe('error');
    expect(result.messages.some((m) => m.startsWith('AGE_NO_MATCHING_KEY: '))).toBe(true);
  });
  it('a cancellation during the download stops it: CANCELED on the server, slot a still running, slot b not bootable', async () => {
    const element = new SoftwareKeyElement(join(work, 'orch-cancel.pem'));
    const { files, connection } = await device('orch-cancel', element);
    const actionId = await assign('orch-cancel');
    // The artifact trickles in (16 KiB every 40 ms); the operator cancels once it has begun.
    let canceling: Promise<unknown> | undefined;
    let bytesServed = 0;
    const slow: HttpTransport = async (req) => {
      const res = await fetchTransport(req);
      if (!req.url.includes('/artifacts/')) return res;
      canceling ??= api('DELETE', `/targets/orch-cancel/actions/${actionId}`);
      return {
        ...res,
        body: (async function* () {
          for await (const chunk of res.body) {
            for (let at = 0; at < chunk.byteLength; at += 16384) {
              await new Promise((r) => setTimeout(r, 40));
              bytesServed += Math.min(16384, chunk.byteLength - at);
              yield chunk.subarray(at, at + 16384);
            }
          }
        })(),
      };
    };
    const ddi = new DdiClient({ server: connection.server, tenant: 'DEFAULT', controllerId: connection.id, targetToken: connection.token, transport: slow });
    const dev = openDevice(files, connection, { element, ddi, busyPollMs: 50 });
    const log = await settle(dev.agent);
    expect(await canceling).toMatchObject({ status: 204 });
    expect(log).toEqual(expect.arrayContaining([`started action ${actionId}`, `canceled action ${actionId}`, 'reported canceled']));
    expect(log).not.toContain('downloaded');
    expect(bytesServed).toBeLessThan(NEW.length);
    expect(await dev.bootloader.status()).toMatchObject({ active: 'a', booted: 'a', pendingTry: null });
    expect(sha256(readFileSync(files.slotA))).toBe(sha256(OLD));
    // Slot b holds the "incomplete" marker in its head, never a bootable image.
    await expect(dev.slots.get('b').verify({ length: NEW.length, sha256: sha256(NEW) })).rejects.toThrow(/expected/);
    expect(dev.store.load()).toMatchObject({ ok: true, state: { phase: 'idle' } });
    const result = await action('orch-cancel', actionId);
    expect(result.status).toBe('canceled');
    expect(result.messages.some((m) => m.startsWith('canceled before activation; slot b not activated, slot a still running'))).toBe(true);
  });
  it('an external update handler (the command contract) writes the slot; the agent does the rest: FINISHED', async () => {
    const element = new SoftwareKeyElement(join(work, 'orch-handler.pem'));
    const { files, connection } = await device('orch-handler', element);
    const actionId = await assign('orch-handler');
    // A handler in the shape of a RAUC/SWUpdate wrapper: copy stdin, check the length, then commit by rename.
    const handler = join(work, 'handler.sh');
    writeFileSync(
      handler,
      [
        '#!/bin/sh',
        'set -eu',
        'case "$1" in',
        '  write) cat > "$OSPREY_SLOT_PATH.tmp"; [ "$(wc -c < "$OSPREY_SLOT_PATH.tmp")" -eq "$OSPREY_IMAGE_LENGTH" ]; mv "$OSPREY_SLOT_PATH.tmp" "$OSPREY_SLOT_PATH" ;;',
        '  verify) [ "$(sha256sum < "$OSPREY_SLOT_PATH" | cut -d" " -f1)" = "$OSPREY_IMAGE_SHA256" ] ;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(handler, 0o755);
    const bootloader = new SimulatedBootloader(files.bootenv);
    const slots = new AbSlots(
      { a: new CommandSlot('a', files.slotA, { command: [handler] }), b: new CommandSlot('b', files.slotB, { command: [handler] }) },
      bootloader,
    );
    const dev = openDevice(files, connection, { element, slots, bootloader });
    const log = await settle(dev.agent);
    expect(log).toEqual(expect.arrayContaining(['downloaded', 'installed into slot b', 'committed', 'reported committed']));
    expect(sha256(readFileSync(files.slotB))).toBe(sha256(NEW));
    expect(await bootloader.status()).toMatchObject({ active: 'b', booted: 'b' });
    expect((await action('orch-handler', actionId)).status).toBe('finished');
  });
  it('application A/B: an archive release unpacked into directory slot b, the `current` link switched, health-checked: FINISHED; an image release is refused', async () => {
    const element = new SoftwareKeyElement(join(work, 'orch-app.pem'));
    const { files, connection } = await device('orch-app', element);
    // The application as GNU tar packs it (an independent writer of the archive format).
    const tree = (version: string) => {
      const src = join(work, `app-src-${version}`);
      mkdirSync(join(src, 'bin'), { recursive: true });
      writeFileSync(join(src, 'version'), version);
      writeFileSync(join(src, 'bin', 'app'), `#!/bin/sh\necho ${version}\n`, { mode: 0o755 });
      return execFileSync('tar', ['-C', src, '-cf', '-', '.']);
    };
    const appSet = await makeRelease(api, 'gw-app', '1.1.0', tree('1.1.0'), {
      encrypted: true,
      release: { securityVersion: 1, hardware: ['board-a'], installType: 'archive' },
    });
    const slotDirs = { a: join(files.dir, 'app', 'a'), b: join(files.dir, 'app', 'b') };
    const link = join(files.dir, 'app', 'current');
    const factory = tree('1.0.0');
    await new DirectorySlot('a', slotDirs.a).write(
      (async function* () {
        yield factory;
      })(),
      { length: factory.length, sha256: sha256(factory) },
    );
    const bootloader = new SymlinkBootloader({ link, targets: slotDirs, envPath: join(files.dir, 'app', 'bootenv') });
    const slots = new AbSlots({ a: new DirectorySlot('a', slotDirs.a), b: new DirectorySlot('b', slotDirs.b) }, bootloader);
    const open = () =>
      openDevice(files, connection, {
        element,
        slots,
        bootloader,
        installTypes: ['archive'],
        reboot: async () => void (await bootloader.boot()),
        // "Is the new version serving?": what runs is whatever `current` points at.
        healthCheck: async () => (readFileSync(join(link, 'version'), 'utf8') === '1.1.0' ? { ok: true } : { ok: false, reason: 'old version still running' }),
      });

    // An image release is not for this device's directory slots: refused with the reason.
    const imageAction = await assign('orch-app');
    await settle(open().agent);
    const refused = await action('orch-app', imageAction);
    expect(refused.status).toBe('error');
    expect(refused.messages.some((m) => m.startsWith('AGENT_INSTALL_TYPE_UNSUPPORTED: '))).toBe(true);
    expect(readlinkSync(link)).toBe(slotDirs.a);

    const res = await api('POST', `/distributionsets/${appSet}/assignedTargets`, [{ id: 'orch-app' }]);
    expect(res.json.assigned).toBe(1);
    await server.ddi.settle();
    const appAction = (await api('GET', '/targets/orch-app/actions?sort=id:DESC')).json.content[0].id as number;
    const log = await settle(open().agent);
    expect(log).toEqual(expect.arrayContaining(['installed into slot b', 'committed', 'reported committed']));
    expect(readlinkSync(link)).toBe(slotDirs.b);
    expect(readFileSync(join(link, 'version'), 'utf8')).toBe('1.1.0');
    expect(readFileSync(join(slotDirs.a, 'version'), 'utf8')).toBe('1.0.0');
    expect((await action('orch-app', appAction)).status).toBe('finished');
  });
  it('a download-only action stages the image in slot b (verified, not activated; DOWNLOADED); the later install does not download it again', async () => {
    const element = new SoftwareKeyElement(join(work, 'orch-stage.pem'));
    const { files, connection } = await device('orch-stage', element);
    let artifactRequests = 0;
    const counting: HttpTransport = async (req) => {
      if (req.url.includes('/artifacts/')) artifactRequests++;
      return fetchTransport(req);
    };
    const open = () =>
      openDevice(files, connection, {
        element,
        ddi: new DdiClient({ server: connection.server, tenant: 'DEFAULT', controllerId: connection.id, targetToken: connection.token, transport: counting }),
      });

    expect((await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id: 'orch-stage', type: 'downloadonly' }])).json.assigned).toBe(1);
    await server.ddi.settle();
    const stageAction = (await api('GET', '/targets/orch-stage/actions')).json.content[0].id as number;
    const staged = await settle(open().agent);
    expect(staged).toContain(`staged action ${stageAction} in slot b`);
    expect(artifactRequests).toBe(1);
    expect((await action('orch-stage', stageAction)).status).toBe('downloaded');
    expect(sha256(readFileSync(files.slotB))).toBe(sha256(NEW));
    expect(await new SimulatedBootloader(files.bootenv).status()).toMatchObject({ active: 'a', booted: 'a', pendingTry: null });

    const installAction = await (async () => {
      expect((await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id: 'orch-stage' }])).json.assigned).toBe(1);
      await server.ddi.settle();
      return (await api('GET', '/targets/orch-stage/actions?sort=id:DESC')).json.content[0].id as number;
    })();
    const log = await settle(open().agent);
    expect(log).toEqual(expect.arrayContaining(['downloaded', 'installed into slot b', 'committed', 'reported committed']));
    expect(artifactRequests).toBe(1); // the staged image was verified in place, not fetched again
    expect((await action('orch-stage', installAction)).status).toBe('finished');
    expect(await new SimulatedBootloader(files.bootenv).status()).toMatchObject({ active: 'b', booted: 'b' });
  });
});
