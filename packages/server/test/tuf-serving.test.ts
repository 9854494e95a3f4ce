/**
 * Sign & Encrypt through the server: a release made offline with the CLI (`keys init`, `release
 * pack`) is imported, served as a TUF repository that tuf-js verifies over HTTP, and delivered over
 * DDI with the device's own age header; the device verifies, decrypts and checks the final hash.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decrypt, releaseCustomOf, X25519Identity } from '@osprey/core';
import { seed } from '@osprey/server';
import { keysInit } from '../../cli/src/keys.js';
import { releasePack } from '../../cli/src/release.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';

const work = mkdtempSync(join(tmpdir(), 'osprey-tuf-serving-'));
const env = { passphrase: 'vendor passphrase', pkcs11: { module: undefined, tokenLabel: undefined, pin: undefined }, interactive: false };
const image = randomBytes(400_000);
const device = X25519Identity.generate();

describe('TUF repository and encrypted release served by the server', () => {
  let server: TestServer;
  let actionId: number;

  beforeAll(async () => {
    const vendor = join(work, 'vendor');
    writeFileSync(join(work, 'image.img'), image);
    await keysInit({ dir: vendor, rootKeys: 1, rootThreshold: 1, keyType: 'ecdsa', tokenRoles: [], now: new Date() }, env);
    await releasePack(
      {
        dir: vendor,
        file: join(work, 'image.img'),
        name: 'gw-os',
        version: '3.1.0',
        securityVersion: 9,
        hardware: ['board-a'],
        installType: 'image',
        recipients: [],
        encrypt: true,
        now: new Date(),
      },
      env,
    );
    server = await startTestServer('pglite', {}, { listen: true });
    const result = await seed(server.database.db, server.blobs, server.keys, {
      tuf: { dir: vendor, passphrase: env.passphrase },
      targets: [{ controllerId: 'dev-tuf', securityToken: 'token-dev-tuf-1', publicKey: device.recipient.toString() }],
      modules: [{ key: 'os', name: 'gw-os', version: '3.1.0', artifacts: [{ tufTarget: 'gw-os-3.1.0.age' }] }],
      distributionSets: [{ key: 'ds', name: 'gw-os', version: '3.1.0', modules: ['os'] }],
      assignments: [{ target: 'dev-tuf', ds: 'ds' }],
    });
    actionId = result.actions[0]!.actionId;
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('tuf-js verifies the served repository; the DDI deployment delivers a header only this device opens', async () => {
    const headers = { authorization: 'TargetToken token-dev-tuf-1' };
    const deployment = (await (await fetch(`${server.url}/DEFAULT/controller/v1/dev-tuf/deploymentBase/${actionId}`, { headers })).json()) as any;
    const artifact = deployment.deployment.chunks[0].artifacts[0];
    expect(artifact.osprey.tufTarget).toBe('gw-os-3.1.0.age');
    expect(deployment.osprey.tuf.metadata).toBe(`${server.url}/DEFAULT/tuf/metadata`);

    // The device's TUF client, starting from the provisioned root.
    const metadataDir = join(work, 'device-metadata');
    mkdirSync(metadataDir, { recursive: true });
    writeFileSync(join(metadataDir, 'root.json'), readFileSync(join(work, 'vendor', 'public', 'metadata', '1.root.json')));
    const updater = new Updater({
      metadataDir,
      metadataBaseUrl: deployment.osprey.tuf.metadata,
      targetBaseUrl: deployment.osprey.tuf.targets,
      targetDir: work,
    });
    await updater.refresh();
    const target = await updater.getTargetInfo(artifact.osprey.tufTarget);
    expect(target).toBeDefined();
    const custom = releaseCustomOf(target!);
    expect(custom).toMatchObject({ name: 'gw-os', version: '3.1.0', securityVersion: 9 });
    // The DDI download is the signed payload: same length and hash as the TUF target.
    const payload = Buffer.from(await (await fetch(artifact._links['download-http'].href, { headers })).arrayBuffer());
    expect(payload.length).toBe(target!.length);
    expect(createHash('sha256').update(payload).digest('hex')).toBe(target!.hashes.sha256);
    const viaTuf = await updater.downloadTarget(target!, join(work, 'tuf-download'));
    expect(readFileSync(viaTuf).equals(payload)).toBe(true);
    // Decrypt with the device's own header and check the final hash.
    const plaintext = await decrypt(Buffer.concat([Buffer.from(artifact.osprey.encryption.header, 'base64'), payload]), [device]);
    expect(createHash('sha256').update(plaintext).digest('hex')).toBe(custom.plaintext.sha256);
    expect(plaintext.equals(image)).toBe(true);
  });

  it('serves only encrypted targets publicly and refuses odd names', async () => {
    expect((await fetch(`${server.url}/DEFAULT/tuf/metadata/timestamp.json`)).status).toBe(200);
    expect((await fetch(`${server.url}/DEFAULT/tuf/metadata/9.root.json`)).status).toBe(404);
    expect((await fetch(`${server.url}/DEFAULT/tuf/metadata/..%2Fkeys`)).status).toBe(400);
    expect((await fetch(`${server.url}/DEFAULT/tuf/targets/${'0'.repeat(64)}.gw-os-3.1.0.age`)).status).toBe(404);
    expect((await fetch(`${server.url}/OTHER/tuf/metadata/timestamp.json`)).status).toBe(404);
  });
});
