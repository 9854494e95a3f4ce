/**
 * The key service on a PKCS#11 token (SoftHSM2): the tenant's TUF keys, escrow key and artifact
 * signing key are generated in the token and used there; nothing secret is written to disk. A
 * release made through the API verifies with tuf-js, the device header opens with the device's
 * key, and the detached signature verifies with openssl.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Updater } from 'tuf-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decrypt, X25519Identity } from '@osprey/core';
import { createSoftHsmToken, type SoftHsmToken } from '../../../testkit/softhsm.js';
import { restClient, TEST_ADMIN as ADMIN } from '../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../testkit/server.js';
import { hasCommand, hasSoftHsm } from '../../../testkit/tools.js';

describe.runIf(hasSoftHsm() && hasCommand('openssl'))('key service on a PKCS#11 token', () => {
  let hsm: SoftHsmToken;
  let server: TestServer;

  beforeAll(async () => {
    hsm = createSoftHsmToken('osprey-server', '7777');
    server = await startTestServer('pglite', { pkcs11: { module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin } }, { listen: true });
  });
  afterAll(async () => {
    await server?.stop();
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  });

  const api = restClient(() => server.url, ADMIN);

  it('releases an encrypted artifact signed and wrapped with token keys only', async () => {
    const device = X25519Identity.generate();
    const data = randomBytes(150_000);
    const [module] = (await api('POST', '/softwaremodules', [{ name: 'hsm-fw', version: '1', type: 'os', encrypted: true }])).json;
    const form = new FormData();
    form.append('file', new Blob([data]), 'fw.img');
    const uploaded = await api('POST', `/softwaremodules/${module.id}/artifacts`, form);
    expect(uploaded.status, uploaded.text).toBe(201);
    const [ds] = (await api('POST', '/distributionsets', [{ name: 'hsm-fw', version: '1', modules: [{ id: module.id }] }])).json;
    const released = await api('POST', `/distributionsets/${ds.id}/release`, { securityVersion: 3, hardware: ['board-a'] });
    expect(released.status, released.text).toBeLessThan(300);
    await api('POST', '/targets', [{ controllerId: 'hsm-dev', securityToken: 'hsm-dev-token-1', publicKey: device.recipient.toString() }]);
    const assigned = await api('POST', `/distributionsets/${ds.id}/assignedTargets`, [{ id: 'hsm-dev' }]);
    await server.ddi.settle();
    const headers = { authorization: 'TargetToken hsm-dev-token-1' };
    const deployment = (await (
      await fetch(`${server.url}/DEFAULT/controller/v1/hsm-dev/deploymentBase/${assigned.json.assignedActions[0].id}`, { headers })
    ).json()) as any;
    const artifact = deployment.deployment.chunks[0].artifacts[0];
    const payload = Buffer.from(await (await fetch(artifact._links['download-http'].href, { headers })).arrayBuffer());

    // The escrow key in the token unwrapped the file key for this device's header.
    const plaintext = await decrypt(Buffer.concat([Buffer.from(artifact.osprey.encryption.header, 'base64'), payload]), [device]);
    expect(plaintext.equals(data)).toBe(true);

    // tuf-js verifies metadata signed by token keys, from the root the server serves.
    const work = join(server.dataDir, 'device');
    mkdirSync(join(work, 'metadata'), { recursive: true });
    writeFileSync(join(work, 'metadata', 'root.json'), (await api('GET', '/tuf/root')).text);
    const updater = new Updater({
      metadataDir: join(work, 'metadata'),
      metadataBaseUrl: deployment.osprey.tuf.metadata,
      targetBaseUrl: deployment.osprey.tuf.targets,
      targetDir: work,
    });
    await updater.refresh();
    const target = await updater.getTargetInfo(artifact.osprey.tufTarget);
    expect(target?.custom).toMatchObject({ securityVersion: 3, hardware: ['board-a'] });

    // The detached signature, made in the token, verifies with openssl.
    writeFileSync(join(work, 'payload'), payload);
    writeFileSync(join(work, 'payload.sig'), Buffer.from(await (await fetch(artifact._links['signature-http'].href, { headers })).arrayBuffer()));
    writeFileSync(join(work, 'key.pem'), (await api('GET', '/system/signingkey')).text);
    expect(
      execFileSync('openssl', ['dgst', '-sha256', '-verify', join(work, 'key.pem'), '-signature', join(work, 'payload.sig'), join(work, 'payload')]).toString(),
    ).toMatch(/Verified OK/);

    // No private key of the tenant was written to disk.
    const keysDir = join(server.dataDir, 'keys');
    const files = existsSync(keysDir) ? readdirSync(keysDir, { recursive: true }).map(String) : [];
    expect(files.filter((f) => f.endsWith('.pem'))).toEqual([]);
  });
});
