import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATOMIC_WRITE_STEPS } from '@osprey/fs';
import { settledCode, type Settling } from '../../../../testkit/errors.js';
import { tempDirEachTest } from '../../../../testkit/temp-dir.js';
import { FileSecurityVersionStore, isSecurityVersionError, SECURITY_VERSION_FILE_FORMAT, softwareSecurityVersionMac } from './security-version.js';

let dir: string;
let path: string;
const KEY = randomBytes(32);
tempDirEachTest('osprey-secver-', (d) => {
  dir = d;
  path = join(dir, 'security-version');
});

const code = (settling: Settling): Promise<string> => settledCode(settling, (e) => isSecurityVersionError(e));

describe('FileSecurityVersionStore', () => {
  it('is provisioned once, then only ever raised', async () => {
    const store = FileSecurityVersionStore.provision(path, KEY, 2);
    expect(await store.current()).toBe(2);
    expect(await store.raise(2)).toBe(2);
    expect(await store.raise(5)).toBe(5);
    expect(await code(store.raise(4))).toBe('DOWNGRADE');
    expect(await code(store.raise(0))).toBe('DOWNGRADE');
    expect(await new FileSecurityVersionStore(path, KEY).current()).toBe(5);
    expect(await code(() => FileSecurityVersionStore.provision(path, KEY, 0))).toBe('EXISTS');
    expect(await new FileSecurityVersionStore(path, KEY).current()).toBe(5);
  });

  it('check refuses a release below the device security version and accepts equal or higher', async () => {
    const store = FileSecurityVersionStore.provision(path, KEY, 3);
    expect(await code(store.check(2))).toBe('DOWNGRADE');
    await store.check(3);
    await store.check(4);
    const error = await store.check(1).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SecurityVersionError', code: 'DOWNGRADE', details: { version: 1, current: 3 } });
  });

  it('refuses versions that are not non-negative safe integers', async () => {
    const store = FileSecurityVersionStore.provision(path, KEY);
    for (const v of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) expect(await code(store.raise(v))).toBe('INVALID_VERSION');
    expect(await store.current()).toBe(0);
  });

  it('detects tampering: edited value, edited MAC, garbage, another key', async () => {
    FileSecurityVersionStore.provision(path, KEY, 7);
    const good = readFileSync(path, 'utf8');
    const record = JSON.parse(good) as { format: string; securityVersion: number; mac: string };
    expect(record).toMatchObject({ format: SECURITY_VERSION_FILE_FORMAT, securityVersion: 7 });
    const store = new FileSecurityVersionStore(path, KEY);
    const cases = [
      JSON.stringify({ ...record, securityVersion: 1 }),
      JSON.stringify({ ...record, mac: record.mac.replace(/^./, (c) => (c === '0' ? '1' : '0')) }),
      JSON.stringify({ ...record, mac: record.mac.slice(0, 10) }),
      JSON.stringify({ ...record, securityVersion: '7' }),
      JSON.stringify({ ...record, format: 'other' }),
      good.slice(0, 20),
      'null',
      '',
    ];
    for (const text of cases) {
      writeFileSync(path, text);
      expect({ text, code: await code(store.current()) }).toEqual({ text, code: 'TAMPERED' });
      // Raising over a tampered record is refused too: the attacker's value is never built upon.
      expect(await code(store.raise(100))).toBe('TAMPERED');
    }
    writeFileSync(path, good);
    expect(await code(new FileSecurityVersionStore(path, randomBytes(32)).current())).toBe('TAMPERED');
    expect(await store.current()).toBe(7);
  });

  it('a deleted record is MISSING, never a silent reset to 0', async () => {
    const store = FileSecurityVersionStore.provision(path, KEY, 4);
    rmSync(path);
    expect(await code(store.current())).toBe('MISSING');
    expect(await code(store.check(0))).toBe('MISSING');
    expect(await code(store.raise(5))).toBe('MISSING');
  });

  it('reads a record written before the MAC became pluggable (fixed vector), and writes the same bytes', async () => {
    // Written by the FileSecurityVersionStore of commit 9dd25f0 with key 00 01 … 1f.
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
    const old = '{"format":"osprey-security-version/1","securityVersion":7,"mac":"5dd086e7c12deb9540ddec1e1bcf2b8e118607f6328af5bb27118d1e0321fb6f"}\n';
    writeFileSync(path, old);
    expect(await new FileSecurityVersionStore(path, key).current()).toBe(7);
    expect(await new FileSecurityVersionStore(path, softwareSecurityVersionMac(key)).current()).toBe(7);
    // HMAC-SHA256 over the domain-separated text, computed here independently.
    expect(createHmac('sha256', key).update('osprey-security-version/1\n7\n').digest('hex')).toBe(JSON.parse(old).mac);
    rmSync(path);
    FileSecurityVersionStore.provision(path, key, 7);
    expect(readFileSync(path, 'utf8')).toBe(old);
    expect(await code(new FileSecurityVersionStore(path, randomBytes(32)).current())).toBe('TAMPERED');
  });

  it('rekey moves an authentic record to another key and refuses a tampered one', async () => {
    const other = randomBytes(32);
    FileSecurityVersionStore.provision(path, KEY, 6);
    expect(await FileSecurityVersionStore.rekey(path, KEY, other).current()).toBe(6);
    expect(await code(new FileSecurityVersionStore(path, KEY).current())).toBe('TAMPERED');
    const moved = readFileSync(path, 'utf8');
    expect(await code(() => FileSecurityVersionStore.rekey(path, KEY, randomBytes(32)))).toBe('TAMPERED');
    expect(readFileSync(path, 'utf8')).toBe(moved);
    rmSync(path);
    expect(await code(() => FileSecurityVersionStore.rekey(path, other, KEY))).toBe('MISSING');
  });

  it('refuses a short key', async () => {
    expect(await code(() => new FileSecurityVersionStore(path, randomBytes(16)))).toBe('INVALID_KEY');
  });

  for (const step of ATOMIC_WRITE_STEPS) {
    it(`a crash after ${step} of a raise leaves the old or the new authentic value`, async () => {
      FileSecurityVersionStore.provision(path, KEY, 1);
      const crashing = new FileSecurityVersionStore(path, KEY, {
        writeHook: (s) => {
          if (s === step) throw new Error('crash');
        },
      });
      await expect(crashing.raise(2)).rejects.toThrow('crash');
      const survived = step === 'renamed' || step === 'dir-synced';
      expect(await new FileSecurityVersionStore(path, KEY).current()).toBe(survived ? 2 : 1);
    });
  }
});
