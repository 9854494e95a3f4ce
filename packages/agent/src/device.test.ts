/**
 * `provision()` and `openAgent()` and the security version key: in the token with a PKCS#11
 * element (no key file; an earlier software-key record is moved under it), in `secver.key` with
 * the software element.
 */
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Token } from '@osprey/pkcs11';
import { createSoftHsmToken, type SoftHsmToken } from '../../../testkit/softhsm.js';
import { closeServer, listenOnLoopback } from '../../../testkit/http.js';
import { TestPki } from '../../../testkit/pki.js';
import { hasCommand, hasSoftHsm } from '../../../testkit/tools.js';
import { tempDirForFile } from '../../../testkit/temp-dir.js';
import { FileSecurityVersionStore, pkcs11SecurityVersionMac } from './bootloader/security-version.js';
import { agentConfigSchema, loadConfig, type AgentConfig } from './config.js';
import { ddiClientOf, openAgent, provision, SECURITY_VERSION_KEY_LABEL } from './device.js';
import { SymlinkBootloader } from './bootloader/symlink.js';

const work = tempDirForFile('osprey-agent-cli-');

function config(name: string, key: AgentConfig['key']): AgentConfig {
  const dir = join(work, name);
  mkdirSync(join(dir, 'tuf'), { recursive: true });
  writeFileSync(join(dir, 'tuf', 'root.json'), '{}'); // only its presence is checked here
  return agentConfigSchema.parse({
    server: 'http://127.0.0.1:9',
    controllerId: name,
    token: 't',
    hardware: 'board-a',
    metadataDir: join(dir, 'tuf'),
    stateDir: join(dir, 'state'),
    slots: { a: join(dir, 'a.img'), b: join(dir, 'b.img') },
    bootloader: { kind: 'simulated', envPath: join(dir, 'bootenv') },
    key,
  });
}

async function statusSecurityVersion(c: AgentConfig): Promise<number> {
  const { agent, element } = openAgent(c);
  try {
    return (await agent.status()).securityVersion;
  } finally {
    element.close();
  }
}

describe('provision and openAgent with the software element', () => {
  it('keep the security version key in secver.key', async () => {
    const c = config('software', { file: join(work, 'software', 'device.pem') });
    await provision(c);
    expect(readFileSync(join(c.stateDir, 'secver.key'))).toHaveLength(32);
    expect(await new FileSecurityVersionStore(join(c.stateDir, 'security-version.json'), readFileSync(join(c.stateDir, 'secver.key'))).current()).toBe(0);
    expect(await statusSecurityVersion(c)).toBe(0);
  });
});

describe.runIf(hasSoftHsm())('provision and openAgent with a PKCS#11 element', () => {
  let hsm: SoftHsmToken;
  beforeAll(() => {
    hsm = createSoftHsmToken('osprey-agent-cli', '8642');
  });
  afterAll(() => {
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  });
  /** A session of the test's own, closed before the agent's next one (C_Logout is per process). */
  async function withToken<T>(f: (token: Pkcs11Token) => T | Promise<T>): Promise<T> {
    const token = Pkcs11Token.open(hsm);
    try {
      return await f(token);
    } finally {
      token.close();
    }
  }
  const tokenStore = (c: AgentConfig, token: Pkcs11Token) =>
    new FileSecurityVersionStore(record(c), pkcs11SecurityVersionMac(token, SECURITY_VERSION_KEY_LABEL));

  const pkcs11 = (label: string) => ({ pkcs11: { module: hsm.module, tokenLabel: hsm.tokenLabel, pin: hsm.pin, label } });
  const record = (c: AgentConfig) => join(c.stateDir, 'security-version.json');

  it('provision makes the HMAC key in the token, writes no key file, and is idempotent', async () => {
    const c = config('token', pkcs11('device-token'));
    const first = await provision(c);
    expect(first.created).toBe(true);
    expect(existsSync(join(c.stateDir, 'secver.key'))).toBe(false);
    await withToken(async (token) => {
      expect(token.secretKeyAttributes(SECURITY_VERSION_KEY_LABEL)).toMatchObject({ sensitive: true, extractable: false, neverExtractable: true });
      expect(await tokenStore(c, token).current()).toBe(0);
    });
    expect(await statusSecurityVersion(c)).toBe(0);

    // Raised through the token, then provisioned again: nothing is reset or replaced.
    await withToken((token) => tokenStore(c, token).raise(3));
    const raised = readFileSync(record(c), 'utf8');
    expect(await statusSecurityVersion(c)).toBe(3);
    expect(await provision(c)).toEqual({ ...first, created: false });
    expect(readFileSync(record(c), 'utf8')).toBe(raised);
    expect(await statusSecurityVersion(c)).toBe(3);
    expect(existsSync(join(c.stateDir, 'secver.key'))).toBe(false);
  });

  it('a record from before (software key) is refused by openAgent until provision moves it under the token key', async () => {
    const c = config('migrate', pkcs11('device-migrate'));
    mkdirSync(c.stateDir, { recursive: true });
    const oldKey = Buffer.alloc(32, 7);
    writeFileSync(join(c.stateDir, 'secver.key'), oldKey, { mode: 0o600 });
    FileSecurityVersionStore.provision(record(c), oldKey, 5);
    expect(() => openAgent(c)).toThrow(/secver\.key .*run osprey-agent provision/);
    await provision(c);
    expect(existsSync(join(c.stateDir, 'secver.key'))).toBe(false);
    expect(await statusSecurityVersion(c)).toBe(5);
    expect(await provision(c).then((k) => k.created)).toBe(false);
    expect(await statusSecurityVersion(c)).toBe(5);
  });

  it('provision refuses to move a record that is not authentic under the old key', async () => {
    const c = config('forged', pkcs11('device-forged'));
    mkdirSync(c.stateDir, { recursive: true });
    writeFileSync(join(c.stateDir, 'secver.key'), Buffer.alloc(32, 1), { mode: 0o600 });
    FileSecurityVersionStore.provision(record(c), Buffer.alloc(32, 2), 0);
    const before = readFileSync(record(c), 'utf8');
    await expect(provision(c)).rejects.toMatchObject({ code: 'TAMPERED' });
    expect(readFileSync(record(c), 'utf8')).toBe(before);
    expect(existsSync(join(c.stateDir, 'secver.key'))).toBe(true);
  });
});

describe('config: application A/B and external handlers', () => {
  it('directory slots with the symlink bootloader: the link is created at the committed slot (paths relative to the config)', async () => {
    const dir = join(work, 'app-ab');
    mkdirSync(join(dir, 'tuf'), { recursive: true });
    writeFileSync(join(dir, 'tuf', 'root.json'), '{}');
    writeFileSync(
      join(dir, 'agent.json'),
      JSON.stringify({
        server: 'http://127.0.0.1:9',
        controllerId: 'app',
        token: 't',
        hardware: 'board-a',
        metadataDir: 'tuf',
        stateDir: 'state',
        slots: { kind: 'directory', a: 'app/a', b: 'app/b' },
        bootloader: { kind: 'symlink', link: 'app/current', restartCommand: ['true'] },
        key: { file: 'device.pem' },
      }),
    );
    mkdirSync(join(dir, 'app'));
    const c = loadConfig(join(dir, 'agent.json'));
    await provision(c);
    const { bootloader, element } = openAgent(c);
    element.close();
    expect(bootloader).toBeInstanceOf(SymlinkBootloader);
    expect(readlinkSync(join(dir, 'app', 'current'))).toBe(join(dir, 'app', 'a'));
  });

  it('refuses a symlink bootloader without its link, and a command slot kind without its command, naming the field', () => {
    const base = { server: 'http://127.0.0.1:9', controllerId: 'x', token: 't', hardware: 'h', metadataDir: 'm', stateDir: 's', key: { file: 'k' } };
    const noLink = agentConfigSchema.safeParse({ ...base, slots: { kind: 'directory', a: 'a', b: 'b' }, bootloader: { kind: 'symlink' } });
    expect(noLink.success).toBe(false);
    expect(JSON.stringify(noLink.error?.issues)).toContain('bootloader.link is required');
    const noCommand = agentConfigSchema.safeParse({ ...base, slots: { kind: 'command', a: 'a', b: 'b' }, bootloader: { kind: 'simulated' } });
    expect(noCommand.success).toBe(false);
    expect(JSON.stringify(noCommand.error?.issues)).toContain('slots.command (the handler');
  });
});

describe.runIf(hasCommand('openssl'))('config: mTLS instead of a token', () => {
  it('the device presents the configured client certificate (paths relative to the config); no credential at all is refused', async () => {
    const dir = join(work, 'mtls');
    const pki = new TestPki(join(dir, 'pki'));
    pki.ca('ca', 'test-ca');
    pki.issue('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
    pki.issue('device', 'dev-mtls', 'ca', 'extendedKeyUsage=clientAuth\n');
    const server = createHttpsServer(
      { key: pki.file('server.key'), cert: pki.file('server.crt'), ca: pki.file('ca.crt'), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const cn = (req.socket as TLSSocket).getPeerCertificate().subject?.CN;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ config: { polling: { sleep: cn === 'dev-mtls' ? '00:00:42' : '00:00:01' } }, _links: {} }));
      },
    );
    const origin = await listenOnLoopback(server, 'https');
    try {
      const base = {
        server: origin,
        controllerId: 'dev-mtls',
        hardware: 'board-a',
        metadataDir: 'tuf',
        stateDir: 'state',
        slots: { a: 'a.img', b: 'b.img' },
        bootloader: { kind: 'simulated' },
        key: { file: 'device.pem' },
      };
      writeFileSync(join(dir, 'agent.json'), JSON.stringify({ ...base, tls: { cert: 'pki/device.crt', key: 'pki/device.key', ca: 'pki/ca.crt' } }));
      expect((await ddiClientOf(loadConfig(join(dir, 'agent.json'))).poll()).sleepSeconds).toBe(42);
      writeFileSync(join(dir, 'none.json'), JSON.stringify(base));
      expect(() => loadConfig(join(dir, 'none.json'))).toThrow(/give the target security token \(token\) or a client certificate/);
    } finally {
      server.closeAllConnections();
      await closeServer(server);
    }
  });
});
