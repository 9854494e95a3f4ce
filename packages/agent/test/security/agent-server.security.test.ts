/**
 * Security suite — the whole agent against the real server, with a man in the middle on the
 * device's connection: the attack is refused, the refusal reaches the server as the action's
 * feedback (ERROR with the code), slot a keeps running, and the device's state file is intact.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DdiClient, fetchTransport, SoftwareKeyElement, type HttpTransport } from '@osprey/agent';
import { restClient, TEST_ADMIN as ADMIN } from '../../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { makeRelease, openDevice, provisionDevice, settle, sha256 } from '../device-kit.js';

const OLD = randomBytes(200_000);
const NEW = randomBytes(3 * 65536 + 4321);

describe('security: agent and server', () => {
  let server: TestServer;
  const work = tempDirForFile('osprey-security-agent-');
  const api = restClient(() => server.url, ADMIN);
  let setId: number;
  let rootJson: Buffer;

  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: true });
    rootJson = Buffer.from((await api('GET', '/tuf/root')).text);
    setId = await makeRelease(api, 'gw-os', '2.0.0', NEW, { encrypted: true, release: { securityVersion: 5, hardware: ['board-a'] } });
  });
  afterAll(() => server?.stop());

  /** A man in the middle that flips one bit of every artifact download at `offset`. */
  const tampering =
    (offset: number): HttpTransport =>
    async (req) => {
      const res = await fetchTransport(req);
      if (!req.url.includes('/artifacts/')) return res;
      return {
        ...res,
        body: (async function* () {
          let at = 0;
          for await (const chunk of res.body) {
            const copy = Buffer.from(chunk);
            if (offset >= at && offset < at + copy.length) copy[offset - at]! ^= 1;
            at += copy.length;
            yield copy;
          }
        })(),
      };
    };

  it('tampered payload on the wire: refused, reported to the server as ERROR with the code, slot a running, state intact', async () => {
    const element = new SoftwareKeyElement(join(work, 'mitm.pem'));
    const { publicKeyPem } = await element.provision();
    const { files, token } = await provisionDevice(api, join(work, 'mitm'), 'sec-mitm', { rootJson, factoryImage: OLD, securityVersion: 1, publicKeyPem });
    const connection = { server: server.url, id: 'sec-mitm', token };
    const assigned = await api('POST', `/distributionsets/${setId}/assignedTargets`, [{ id: 'sec-mitm' }]);
    expect(assigned.json.assigned).toBe(1);
    await server.ddi.settle();
    const actionId = (await api('GET', '/targets/sec-mitm/actions')).json.content[0].id as number;
    const ddi = new DdiClient({ server: server.url, tenant: 'DEFAULT', controllerId: 'sec-mitm', targetToken: token, transport: tampering(100_000) });
    const dev = openDevice(files, connection, { element, ddi });
    const log = await settle(dev.agent);

    const failed = log.find((l) => l.startsWith('failed: '));
    // The chunk's tag fails before the end-of-stream hash could: no byte of it reaches slot b.
    const code = 'AGE_CHUNK_AUTH_FAILED';
    expect(failed, log.join(' | ')).toMatch(new RegExp(`^failed: ${code}: `));
    expect(sha256(readFileSync(files.slotA))).toBe(sha256(OLD));
    expect(await dev.bootloader.status()).toMatchObject({ active: 'a', booted: 'a', pendingTry: null });
    expect(dev.store.load()).toMatchObject({ ok: true, state: { phase: 'idle' } });
    expect(dev.agent.installed()?.version).not.toBe('2.0.0');
    if (existsSync(files.slotB)) expect(sha256(readFileSync(files.slotB))).not.toBe(sha256(NEW));
    const status = (await api('GET', `/targets/sec-mitm/actions/${actionId}`)).json.status;
    const messages = ((await api('GET', `/targets/sec-mitm/actions/${actionId}/status`)).json.content as Array<{ messages: string[] }>).flatMap(
      (s) => s.messages,
    );
    expect(status).toBe('error');
    expect(messages.some((m) => m.startsWith(`${code}: `))).toBe(true);
    expect((await api('GET', '/targets/sec-mitm/installedDS')).status).not.toBe(200);
  });
});
