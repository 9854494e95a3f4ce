/**
 * The agent's update path against a real Osprey server (PGlite): DDI poll and deployment, TUF
 * refresh from the provisioned root, resumable download bounded by the signed length, the
 * device's own age header unwrapped by its secure element, the final hash — and every refusal
 * reported to the server with its precise reason.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Token } from '@osprey/pkcs11';
import {
  assignedRelease,
  checkAssignedArtifact,
  DdiClient,
  deploymentPlan,
  downloadResumable,
  failureCode,
  fetchTransport,
  openRelease,
  Pkcs11Element,
  resolveRelease,
  SoftwareKeyElement,
  verifyAndOpen,
  type Deployment,
  type DeploymentArtifact,
  type DeviceFacts,
  type HttpTransport,
  type SecureElement,
  type VerifiedPayload,
} from '@osprey/agent';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { createSoftHsmToken, type SoftHsmToken } from '../../../testkit/softhsm.js';
import { hasSoftHsm } from '../../../testkit/tools.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { sha256Hex as sha256 } from '../../../testkit/hash.js';

const IMAGE = randomBytes(5 * 65536 + 999);
const BOARD_A: DeviceFacts = { hardware: 'board-a', securityVersion: 4 };
const softHsm = hasSoftHsm();

interface Device {
  id: string;
  element: SecureElement;
  ddi: DdiClient;
  metadataDir: string;
  dir: string;
}

describe('the agent against an Osprey server', () => {
  let server: TestServer;
  let hsm: SoftHsmToken | undefined;
  let token: Pkcs11Token | undefined;
  const work = tempDirForFile('osprey-agent-e2e-');
  const api = restClient(() => server.url, ADMIN);
  let releasedSet: number;
  let rootJson: Buffer;
  const devices: Record<string, Device> = {};

  const makeSet = async (name: string, version: string, image: Uint8Array, encrypted: boolean) => {
    const modules = await api('POST', '/softwaremodules', [{ name, version, type: 'os', encrypted }]);
    expect(modules.status).toBe(201);
    const moduleId = modules.json[0].id as number;
    const form = new FormData();
    form.append('file', new Blob([image]), `${name}.img`);
    expect((await api('POST', `/softwaremodules/${moduleId}/artifacts`, form)).status).toBe(201);
    const sets = await api('POST', '/distributionsets', [{ name, version, type: 'os', modules: [{ id: moduleId }] }]);
    expect(sets.status).toBe(201);
    return sets.json[0].id as number;
  };

  /** Provision a device: its key, its target on the server, its TUF root. */
  const makeDevice = async (id: string, element: SecureElement, registerKey: 'operator' | 'device'): Promise<Device> => {
    const provisioned = await element.provision();
    const securityToken = `token-${id}-0123456789`;
    const created = await api('POST', '/targets', [
      { controllerId: id, securityToken, ...(registerKey === 'operator' ? { publicKey: provisioned.publicKeyPem } : {}) },
    ]);
    expect(created.status).toBe(201);
    const ddi = new DdiClient({ server: server.url, tenant: 'DEFAULT', controllerId: id, targetToken: securityToken });
    if (registerKey === 'device') expect(await ddi.registerPublicKey(provisioned.publicKeyPem)).toEqual({ created: true });
    const dir = join(work, id);
    const metadataDir = join(dir, 'tuf');
    mkdirSync(metadataDir, { recursive: true });
    writeFileSync(join(metadataDir, 'root.json'), rootJson);
    devices[id] = { id, element, ddi, metadataDir, dir };
    return devices[id]!;
  };

  const assign = async (dsId: number, id: string) => {
    expect((await api('POST', `/distributionsets/${dsId}/assignedTargets`, [{ id }])).json.assigned).toBe(1);
    await server.ddi.settle();
  };

  /** What the device's agent sees: the assigned deployment and its first artifact. */
  const assignment = async (device: Device): Promise<{ deployment: Deployment; artifact: DeploymentArtifact }> => {
    const poll = await device.ddi.poll();
    expect(poll.sleepSeconds).toBeGreaterThan(0);
    const deployment = await device.ddi.deployment(poll.links.deploymentBase!.href);
    return { deployment, artifact: deployment.chunks[0]!.artifacts[0]! };
  };

  const collect = async (payload: VerifiedPayload): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const chunk of payload) parts.push(chunk);
    return Buffer.concat(parts);
  };

  const statuses = async (id: string, actionId: number) => {
    const res = await api('GET', `/targets/${id}/actions/${actionId}/status`);
    return res.json.content as Array<{ type: string; messages: string[] }>;
  };

  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error === undefined) throw new Error('expected a refusal');
    return error;
  };

  beforeAll(async () => {
    // SoftHSM reads its configuration at C_Initialize: the token is made before any is opened.
    if (softHsm) {
      hsm = createSoftHsmToken('osprey-agent-e2e', '2468');
      token = Pkcs11Token.open(hsm);
    }
    server = await startTestServer('pglite', {}, { listen: true });
    rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    releasedSet = await makeSet('gw-os', '2.0.0', IMAGE, true);
    const released = await api('POST', `/distributionsets/${releasedSet}/release`, {
      securityVersion: 5,
      hardware: ['board-a', 'board-b'],
      installType: 'image',
    });
    expect(released.status).toBe(200);
    await makeDevice('dev-a', new SoftwareKeyElement(join(work, 'dev-a', 'device.pem')), 'operator');
    await makeDevice('dev-b', new SoftwareKeyElement(join(work, 'dev-b', 'device.pem')), 'operator');
    await makeDevice('dev-c', new SoftwareKeyElement(join(work, 'dev-c', 'device.pem')), 'operator');
    for (const id of ['dev-a', 'dev-b']) await assign(releasedSet, id);
  });
  afterAll(async () => {
    for (const device of Object.values(devices)) device.element.close();
    token?.close();
    await server?.stop();
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  });

  it('installs a signed, encrypted release: DDI, TUF, resumable download, device key, final hash, feedback', async () => {
    const device = devices['dev-a']!;
    const { deployment, artifact } = await assignment(device);
    expect(deploymentPlan(deployment)).toMatchObject({ download: true, install: true });
    const assigned = assignedRelease(deployment, artifact);
    expect(assigned.targetPath).toBe('gw-os-2.0.0.age');
    expect(assigned.header).toBeDefined();

    const release = await resolveRelease({ ...assigned, metadataDir: device.metadataDir, device: BOARD_A });
    checkAssignedArtifact(artifact, release);
    expect(release.custom).toMatchObject({ securityVersion: 5, plaintext: { length: IMAGE.length, sha256: sha256(IMAGE) } });

    const progress: number[] = [];
    const downloaded = await downloadResumable(assigned.downloadUrl!, {
      destination: join(device.dir, 'download', 'payload.age'),
      expectedLength: release.length,
      expectedSha256: release.sha256,
      headers: device.ddi.downloadHeaders(assigned.downloadUrl!),
      transport: device.ddi.transport,
      onProgress: (n) => progress.push(n),
    });
    expect(downloaded).toMatchObject({ length: release.length, sha256: release.sha256 });
    await device.ddi.feedback(deployment.actionId, 'proceeding', 'none', ['downloaded and verified'], { cnt: 1, of: 2 });

    const payload = await openRelease(release, { payloadFile: downloaded.file, header: assigned.header!, identity: device.element.identity() });
    const image = await collect(payload);
    expect(image.equals(IMAGE)).toBe(true);
    expect(payload.result).toEqual({ length: IMAGE.length, sha256: sha256(IMAGE) });

    await device.ddi.feedback(deployment.actionId, 'closed', 'success', ['installed gw-os 2.0.0']);
    await device.ddi.putConfigData({ hardware: 'board-a', securityVersion: '5' });
    const action = await api('GET', `/targets/dev-a/actions/${deployment.actionId}`);
    expect(action.json).toMatchObject({ status: 'finished', active: false });
    expect((await statuses('dev-a', deployment.actionId)).flatMap((s) => s.messages)).toEqual(
      expect.arrayContaining(['downloaded and verified', 'installed gw-os 2.0.0']),
    );
    expect((await api('GET', '/targets/dev-a/attributes')).json).toMatchObject({ hardware: 'board-a', securityVersion: '5' });
  });

  it('verifyAndOpen in one call: from the DDI download, or downloaded by tuf-js from the TUF targets', async () => {
    const device = devices['dev-b']!;
    const { deployment, artifact } = await assignment(device);
    const assigned = assignedRelease(deployment, artifact);
    const common = { ...assigned, metadataDir: device.metadataDir, device: BOARD_A, identity: device.element.identity() };
    const viaDdi = await downloadResumable(assigned.downloadUrl!, {
      destination: join(device.dir, 'payload.age'),
      expectedLength: artifact.size,
      headers: device.ddi.downloadHeaders(assigned.downloadUrl!),
    });
    expect((await collect(await verifyAndOpen({ ...common, payloadFile: viaDdi.file }))).equals(IMAGE)).toBe(true);
    expect((await collect(await verifyAndOpen({ ...common, downloadDir: join(device.dir, 'tuf-targets') }))).equals(IMAGE)).toBe(true);
  });

  it("refuses another device's header (AGE_NO_MATCHING_KEY) and reports the reason to the server", async () => {
    const a = devices['dev-a']!;
    const b = devices['dev-b']!;
    const { deployment, artifact } = await assignment(b);
    const mine = assignedRelease(deployment, artifact);
    // dev-a's header, from dev-a's own (finished) action: the server wrapped it for dev-a's key only.
    const installed = (await a.ddi.poll()).links.installedBase!;
    expect(installed).toBeDefined();
    const release = await resolveRelease({ ...mine, metadataDir: b.metadataDir, device: BOARD_A });
    const { file: payloadFile } = await downloadResumable(mine.downloadUrl!, {
      destination: join(b.dir, 'refused', 'payload.age'),
      expectedLength: release.length,
      expectedSha256: release.sha256,
      headers: b.ddi.downloadHeaders(mine.downloadUrl!),
    });
    const aHeader = (await a.ddi.installedBase(installed.href)).chunks[0]!.artifacts[0]!.encryption!.header!;
    expect(aHeader.equals(mine.header!)).toBe(false);
    const error = await refusal(openRelease(release, { payloadFile, header: aHeader, identity: b.element.identity() }));
    expect(failureCode(error)).toBe('AGE_NO_MATCHING_KEY');
    // And dev-a's key cannot open dev-b's header either.
    expect(failureCode(await refusal(openRelease(release, { payloadFile, header: mine.header!, identity: a.element.identity() })))).toBe('AGE_NO_MATCHING_KEY');

    await b.ddi.reportRefusal(deployment.actionId, error, [`target ${mine.targetPath}`]);
    expect((await api('GET', `/targets/dev-b/actions/${deployment.actionId}`)).json).toMatchObject({ status: 'error', active: false });
    const messages = (await statuses('dev-b', deployment.actionId)).flatMap((s) => s.messages);
    expect(messages.some((m) => m.startsWith('AGE_NO_MATCHING_KEY: '))).toBe(true);
    expect(messages).toContain('target gw-os-2.0.0.age');
  });

  it('refuses a downgrade and foreign hardware before downloading anything', async () => {
    const device = devices['dev-a']!;
    const tuf = { tufMetadataUrl: `${server.url}/DEFAULT/tuf/metadata`, metadataDir: device.metadataDir, targetPath: 'gw-os-2.0.0.age' };
    expect(failureCode(await refusal(resolveRelease({ ...tuf, device: { hardware: 'board-a', securityVersion: 6 } })))).toBe('RELEASE_DOWNGRADE');
    expect(failureCode(await refusal(resolveRelease({ ...tuf, device: { hardware: 'board-z', securityVersion: 0 } })))).toBe('RELEASE_HARDWARE_MISMATCH');
    const identity = device.element.identity();
    const payloadFile = join(work, 'never-downloaded');
    expect(failureCode(await refusal(verifyAndOpen({ ...tuf, device: { hardware: 'board-a', securityVersion: 6 }, identity, payloadFile })))).toBe(
      'RELEASE_DOWNGRADE',
    );
    expect(existsSync(payloadFile)).toBe(false);
  });

  it('refuses an artifact that names no signed target, reported; and answers a cancellation', async () => {
    const device = devices['dev-c']!;
    const unsigned = await makeSet('side-load', '0.0.1', randomBytes(1000), false);
    await assign(unsigned, 'dev-c');
    const { deployment, artifact } = await assignment(device);
    const error = await refusal(Promise.resolve().then(() => assignedRelease(deployment, artifact)));
    expect(failureCode(error)).toBe('AGENT_ARTIFACT_UNSIGNED');
    await device.ddi.reportRefusal(deployment.actionId, error);
    expect((await statuses('dev-c', deployment.actionId)).flatMap((s) => s.messages).some((m) => m.startsWith('AGENT_ARTIFACT_UNSIGNED: '))).toBe(true);

    // The cancel handshake: the operator cancels, the device confirms it stopped.
    await assign(releasedSet, 'dev-c');
    const next = await assignment(device);
    expect((await api('DELETE', `/targets/dev-c/actions/${next.deployment.actionId}`)).status).toBe(204);
    await server.ddi.settle();
    const poll = await device.ddi.poll();
    expect(poll.links.deploymentBase).toBeUndefined();
    const cancel = await device.ddi.cancelAction(poll.links.cancelAction!.href);
    expect(cancel).toEqual({ actionId: next.deployment.actionId, stopId: next.deployment.actionId });
    await device.ddi.cancelFeedback(cancel.actionId, 'closed', 'success', ['stopped before download']);
    expect((await api('GET', `/targets/dev-c/actions/${cancel.actionId}`)).json).toMatchObject({ status: 'canceled', active: false });
  });

  it('refuses a tampered payload: by hash during download, by TUF before decryption, and through tuf-js', async () => {
    const device = devices['dev-a']!;
    const release = await resolveRelease({
      tufMetadataUrl: `${server.url}/DEFAULT/tuf/metadata`,
      metadataDir: device.metadataDir,
      targetPath: 'gw-os-2.0.0.age',
      device: BOARD_A,
    });
    // Over DDI the server hashes what it serves and cuts a changed file itself (see the artifact
    // integrity suite), so the bytes are changed on the wire, by a man in the middle.
    const flipAt =
      (offset: number): HttpTransport =>
      async (req) => {
        const res = await fetchTransport(req);
        return {
          ...res,
          body: (async function* () {
            let at = 0;
            for await (const chunk of res.body) {
              const copy = Buffer.from(chunk);
              if (offset >= at && offset < at + copy.length) copy[offset - at]! ^= 0x01;
              at += copy.length;
              yield copy;
            }
          })(),
        };
      };
    const blob = join(server.dataDir, 'blobs', 'sha256', release.sha256.slice(0, 2), release.sha256);
    const original = readFileSync(blob);
    try {
      const installed = (await device.ddi.poll()).links.installedBase!;
      const artifact = (await device.ddi.installedBase(installed.href)).chunks[0]!.artifacts[0]!;
      const href = artifact.downloadUrl!;
      const header = artifact.encryption!.header!;
      const dir = join(device.dir, 'tampered');
      const options = { expectedLength: release.length, headers: device.ddi.downloadHeaders(href), transport: flipAt(200_000) };

      const hashed = await refusal(downloadResumable(href, { ...options, destination: join(dir, 'a.age'), expectedSha256: release.sha256 }));
      expect(failureCode(hashed)).toBe('AGENT_DOWNLOAD_HASH_MISMATCH');
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);

      const unchecked = await downloadResumable(href, { ...options, destination: join(dir, 'b.age') });
      expect(failureCode(await refusal(openRelease(release, { payloadFile: unchecked.file, header, identity: device.element.identity() })))).toBe(
        'TUF_TARGET_MISMATCH',
      );

      // The TUF repository's targets are checked by tuf-js on the device: here the stored file itself is changed.
      const tampered = Buffer.from(original);
      tampered[200_000] = tampered[200_000]! ^ 0x01;
      writeFileSync(blob, tampered);
      const viaTuf = verifyAndOpen({
        tufMetadataUrl: `${server.url}/DEFAULT/tuf/metadata`,
        tufTargetsUrl: `${server.url}/DEFAULT/tuf/targets`,
        metadataDir: device.metadataDir,
        targetPath: release.targetPath,
        device: BOARD_A,
        header,
        identity: device.element.identity(),
        downloadDir: join(dir, 'tuf'),
      });
      expect(failureCode(await refusal(viaTuf))).toBe('TUF_TARGET_MISMATCH');
    } finally {
      writeFileSync(blob, original);
    }
  });

  it('refuses a device that presents the wrong token', async () => {
    const impostor = new DdiClient({ server: server.url, tenant: 'DEFAULT', controllerId: 'dev-a', targetToken: 'token-dev-b-0123456789' });
    expect(failureCode(await refusal(impostor.poll()))).toBe('AGENT_DDI_UNAUTHORIZED');
  });

  it.runIf(softHsm)('installs with the device key in a PKCS#11 token (SoftHSM2), registered by the device itself', async () => {
    expect((await api('PUT', '/system/configs/device.publickey.selfregister.enabled', { value: true })).status).toBe(200);
    const element = new Pkcs11Element(token!, { label: 'dev-hsm-key' });
    const device = await makeDevice('dev-hsm', element, 'device');
    expect(token!.privateKeyLabels('dev-hsm')).toEqual(['dev-hsm-key']);
    await assign(releasedSet, 'dev-hsm');
    const { deployment, artifact } = await assignment(device);
    const assigned = assignedRelease(deployment, artifact);
    const downloaded = await downloadResumable(assigned.downloadUrl!, {
      destination: join(device.dir, 'payload.age'),
      expectedLength: artifact.size,
      headers: device.ddi.downloadHeaders(assigned.downloadUrl!),
    });
    const payload = await verifyAndOpen({
      ...assigned,
      metadataDir: device.metadataDir,
      device: BOARD_A,
      payloadFile: downloaded.file,
      identity: element.identity(),
    });
    expect((await collect(payload)).equals(IMAGE)).toBe(true);
    await device.ddi.feedback(deployment.actionId, 'closed', 'success');
    expect((await api('GET', `/targets/dev-hsm/actions/${deployment.actionId}`)).json.status).toBe('finished');
  });
});
