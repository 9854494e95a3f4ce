/**
 * Shared setup of the agent's end-to-end tests: releases made through the management API (as in
 * agent-server.test.ts) and simulated devices (file slots, simulated bootloader, security version
 * store, state store) running the real `Agent` against the real server.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AbSlots,
  Agent,
  DdiClient,
  FileSecurityVersionStore,
  FileSlot,
  SimulatedBootloader,
  StateStore,
  type AgentOptions,
  type SecureElement,
} from '@osprey/agent';
import type { restClient } from '../../../testkit/rest.js';
import { sha256Hex as sha256 } from '../../../testkit/hash.js';

export { sha256 };
export const SECVER_KEY = Buffer.alloc(32, 7);
type Api = ReturnType<typeof restClient>;

/** A distribution set with one image artifact; released (TUF-signed) when `release` is given. */
export async function makeRelease(
  api: Api,
  name: string,
  version: string,
  image: Uint8Array,
  options: { encrypted: boolean; release?: { securityVersion: number; hardware: string[]; installType?: 'image' | 'file' | 'archive' | 'external' } },
): Promise<number> {
  const modules = await api('POST', '/softwaremodules', [{ name, version, type: 'os', encrypted: options.encrypted }]);
  if (modules.status !== 201) throw new Error(`softwaremodules: ${modules.status} ${modules.text}`);
  const moduleId = modules.json[0].id as number;
  const form = new FormData();
  form.append('file', new Blob([image]), `${name}.img`);
  const uploaded = await api('POST', `/softwaremodules/${moduleId}/artifacts`, form);
  if (uploaded.status !== 201) throw new Error(`artifact: ${uploaded.status} ${uploaded.text}`);
  const sets = await api('POST', '/distributionsets', [{ name, version, type: 'os', modules: [{ id: moduleId }] }]);
  if (sets.status !== 201) throw new Error(`distributionsets: ${sets.status} ${sets.text}`);
  const id = sets.json[0].id as number;
  if (options.release) {
    const released = await api('POST', `/distributionsets/${id}/release`, { installType: 'image', ...options.release });
    if (released.status !== 200) throw new Error(`release: ${released.status} ${released.text}`);
  }
  return id;
}

export interface DeviceFiles {
  dir: string;
  metadataDir: string;
  workDir: string;
  bootenv: string;
  slotA: string;
  slotB: string;
  state: string;
  secver: string;
}

export function deviceFiles(dir: string): DeviceFiles {
  return {
    dir,
    metadataDir: join(dir, 'tuf'),
    workDir: join(dir, 'work'),
    bootenv: join(dir, 'bootenv'),
    slotA: join(dir, 'slot-a.img'),
    slotB: join(dir, 'slot-b.img'),
    state: join(dir, 'state.json'),
    secver: join(dir, 'secver.json'),
  };
}

/**
 * Registers the device on the server (token, public key) and lays out its files: the factory image
 * in slot a, the TUF root, the security version.
 */
export async function provisionDevice(
  api: Api,
  dir: string,
  id: string,
  options: { rootJson: Uint8Array; factoryImage: Uint8Array; securityVersion: number; publicKeyPem?: string },
): Promise<{ files: DeviceFiles; token: string }> {
  const token = `token-${id}-0123456789`;
  const created = await api('POST', '/targets', [
    { controllerId: id, securityToken: token, ...(options.publicKeyPem ? { publicKey: options.publicKeyPem } : {}) },
  ]);
  if (created.status !== 201) throw new Error(`targets: ${created.status} ${created.text}`);
  const files = deviceFiles(dir);
  mkdirSync(files.metadataDir, { recursive: true });
  writeFileSync(join(files.metadataDir, 'root.json'), options.rootJson);
  const bl = new SimulatedBootloader(files.bootenv, { initialSlot: 'a' });
  const slots = new AbSlots({ a: new FileSlot('a', files.slotA), b: new FileSlot('b', files.slotB) }, bl);
  await slots.get('a').write(
    (async function* () {
      yield options.factoryImage;
    })(),
    { length: options.factoryImage.length, sha256: sha256(options.factoryImage) },
  );
  FileSecurityVersionStore.provision(files.secver, SECVER_KEY, options.securityVersion);
  return { files, token };
}

/** The device's objects opened afresh from its files (as after a restart), and its agent. */
export function openDevice(
  files: DeviceFiles,
  connection: { server: string; id: string; token: string; storageOrigins?: readonly string[] },
  extra: Partial<AgentOptions> & { element?: SecureElement } = {},
) {
  const bootloader = new SimulatedBootloader(files.bootenv);
  const slots = new AbSlots({ a: new FileSlot('a', files.slotA), b: new FileSlot('b', files.slotB) }, bootloader);
  const store = new StateStore(files.state);
  const securityVersion = new FileSecurityVersionStore(files.secver, SECVER_KEY);
  const ddi = new DdiClient({
    server: connection.server,
    tenant: 'DEFAULT',
    controllerId: connection.id,
    targetToken: connection.token,
    ...(connection.storageOrigins ? { storageOrigins: connection.storageOrigins } : {}),
  });
  const agent = new Agent({
    ddi,
    slots,
    bootloader,
    store,
    securityVersion,
    metadataDir: files.metadataDir,
    workDir: files.workDir,
    hardware: 'board-a',
    ...extra,
  });
  return { agent, bootloader, slots, store, securityVersion, ddi };
}

/** Steps until the agent is idle with nothing in progress (at most `max` steps). */
export async function settle(agent: Agent, max = 40): Promise<string[]> {
  const log: string[] = [];
  for (let i = 0; i < max; i++) {
    const r = await agent.step();
    log.push(r.did);
    if (r.idle && r.phase === 'idle') return log;
  }
  throw new Error(`the agent did not settle: ${log.join(' | ')}`);
}
