/**
 * The security version record authenticated by an HMAC key inside a PKCS#11 token (SoftHSM2): the
 * key cannot be read out, the counter works through the token, and a record edited, made under
 * another token key, on another token or under a software key is TAMPERED.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Token } from '@osprey/pkcs11';
import { createSoftHsmToken, type SoftHsmToken } from '../../../../testkit/softhsm.js';
import { hasSoftHsm } from '../../../../testkit/tools.js';
import { settledCode, type Settling } from '../../../../testkit/errors.js';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import {
  FileSecurityVersionStore,
  isSecurityVersionError,
  pkcs11SecurityVersionMac,
  SECURITY_VERSION_FILE_FORMAT,
  softwareSecurityVersionMac,
} from './security-version.js';

const code = (settling: Settling): Promise<string> => settledCode(settling, (e) => isSecurityVersionError(e));

describe.runIf(hasSoftHsm())('FileSecurityVersionStore with a PKCS#11 token key', () => {
  let hsm: SoftHsmToken;
  let otherHsm: SoftHsmToken;
  let token: Pkcs11Token;
  let otherToken: Pkcs11Token;
  let dir: string;
  let path: string;

  beforeAll(() => {
    // SoftHSM reads its configuration once: both tokens exist before either is opened.
    hsm = createSoftHsmToken('osprey-secver', '2468');
    otherHsm = createSoftHsmToken('osprey-secver-other', '2468');
    token = Pkcs11Token.open(hsm);
    otherToken = Pkcs11Token.open(otherHsm);
    token.generateHmacKey('osprey-security-version');
    token.generateHmacKey('another-key');
    otherToken.generateHmacKey('osprey-security-version');
  });
  afterAll(() => {
    otherToken?.close();
    token?.close();
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  });
  tempDirEachTest('osprey-secver-pkcs11-', (d) => {
    dir = d;
    path = join(dir, 'security-version.json');
  });

  const mac = () => pkcs11SecurityVersionMac(token, 'osprey-security-version');

  it('the key is in the token, sensitive and never extractable (the token refusing its value is tested in packages/pkcs11)', () => {
    expect(token.secretKeyAttributes('osprey-security-version')).toMatchObject({
      valueLength: 32,
      token: true,
      sensitive: true,
      extractable: false,
      neverExtractable: true,
    });
  });

  it('provision, raise, check and current work through the token', async () => {
    const store = FileSecurityVersionStore.provision(path, mac(), 2);
    expect(await store.current()).toBe(2);
    expect(await store.raise(5)).toBe(5);
    expect(await code(store.raise(4))).toBe('DOWNGRADE');
    expect(await code(store.check(4))).toBe('DOWNGRADE');
    await store.check(5);
    await store.check(9);
    expect(await new FileSecurityVersionStore(path, mac()).current()).toBe(5);
    expect(await code(() => FileSecurityVersionStore.provision(path, mac(), 0))).toBe('EXISTS');
    // Same file format as with a software key.
    const record = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(record)).toEqual(['format', 'securityVersion', 'mac']);
    expect(record).toMatchObject({ format: SECURITY_VERSION_FILE_FORMAT, securityVersion: 5, mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
    rmSync(path);
    expect(await code(store.current())).toBe('MISSING');
  });

  it('an edited record is TAMPERED, and is not built upon', async () => {
    FileSecurityVersionStore.provision(path, mac(), 7);
    const good = readFileSync(path, 'utf8');
    const record = JSON.parse(good) as { securityVersion: number; mac: string };
    const store = new FileSecurityVersionStore(path, mac());
    for (const text of [
      JSON.stringify({ ...record, securityVersion: 1 }),
      JSON.stringify({ ...record, mac: record.mac.replace(/^./, (c) => (c === '0' ? '1' : '0')) }),
      JSON.stringify({ ...record, mac: record.mac.toUpperCase() }),
      good.slice(0, 30),
    ]) {
      writeFileSync(path, text);
      expect({ text, code: await code(store.current()) }).toEqual({ text, code: 'TAMPERED' });
      expect(await code(store.raise(100))).toBe('TAMPERED');
    }
    writeFileSync(path, good);
    expect(await store.current()).toBe(7);
  });

  it('a record made under another token key, on another token or under a software key is TAMPERED', async () => {
    const made = async (makeMac: ReturnType<typeof mac>) => {
      rmSync(path, { force: true });
      FileSecurityVersionStore.provision(path, makeMac, 0);
      return code(new FileSecurityVersionStore(path, mac()).current());
    };
    expect(await made(pkcs11SecurityVersionMac(token, 'another-key'))).toBe('TAMPERED');
    // The same label on another device's token: copying the file there does not help.
    expect(await made(pkcs11SecurityVersionMac(otherToken, 'osprey-security-version'))).toBe('TAMPERED');
    expect(await made(softwareSecurityVersionMac(randomBytes(32)))).toBe('TAMPERED');
    const error = await new FileSecurityVersionStore(path, mac()).current().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TAMPERED', details: { key: 'pkcs11:osprey-security-version' } });
    expect((error as Error).message).toContain('pkcs11:osprey-security-version');
  });

  it('a key missing from the token is KEY_MISSING', async () => {
    FileSecurityVersionStore.provision(path, mac(), 1);
    const store = new FileSecurityVersionStore(path, pkcs11SecurityVersionMac(token, 'never-provisioned'));
    expect(await code(store.current())).toBe('KEY_MISSING');
    expect(await code(store.raise(2))).toBe('KEY_MISSING');
    expect(await code(() => FileSecurityVersionStore.provision(join(dir, 'new.json'), pkcs11SecurityVersionMac(token, 'never-provisioned')))).toBe(
      'KEY_MISSING',
    );
  });

  it("the token's tag is HMAC-SHA256 of the domain-separated record text (extractable test key)", async () => {
    token.generateHmacKey('test-extractable', { testOnlyExtractable: true });
    const keyValue = token.secretKeyValue('test-extractable');
    const store = FileSecurityVersionStore.provision(path, pkcs11SecurityVersionMac(token, 'test-extractable'), 3);
    await store.raise(12);
    const record = JSON.parse(readFileSync(path, 'utf8')) as { mac: string };
    expect(record.mac).toBe(createHmac('sha256', keyValue).update(`${SECURITY_VERSION_FILE_FORMAT}\n12\n`).digest('hex'));
    // and the software implementation, given the same key, reads it.
    expect(await new FileSecurityVersionStore(path, keyValue).current()).toBe(12);
  });

  it('rekey moves a software-key record under the token key, keeping its value', async () => {
    const softwareKey = randomBytes(32);
    FileSecurityVersionStore.provision(path, softwareKey, 4);
    expect(await FileSecurityVersionStore.rekey(path, softwareKey, mac()).current()).toBe(4);
    expect(await code(new FileSecurityVersionStore(path, softwareKey).current())).toBe('TAMPERED');
    expect(await new FileSecurityVersionStore(path, mac()).current()).toBe(4);
  });
});
