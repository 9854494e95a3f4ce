import { randomBytes } from 'node:crypto';
import { mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { settledFailureCode } from '../../../../testkit/errors.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { softwareSecurityVersionMac } from '../bootloader/security-version.js';
import { TrustAnchor } from './anchor.js';
import { failureCode } from '../errors.js';

const dir = tempDirForFile('osprey-anchor-');
const key = softwareSecurityVersionMac(randomBytes(32));
const codeOf = (f: () => unknown): Promise<string> => settledFailureCode(f, failureCode, 'ok');

describe('TrustAnchor: the provisioned TUF root sealed under the device key', () => {
  let n = 0;
  const fresh = () => {
    const metadataDir = join(dir, `d${++n}`);
    mkdirSync(metadataDir);
    writeFileSync(join(metadataDir, 'root.json'), '{"signed":{"_type":"root","version":1}}');
    return { metadataDir, anchor: new TrustAnchor(metadataDir, key) };
  };

  it('a sealed root checks; an unsealed one is refused, naming what to run', async () => {
    const { anchor } = fresh();
    expect(await codeOf(() => anchor.check())).toBe('AGENT_TUF_ROOT_UNSEALED');
    anchor.seal();
    expect(anchor.check()).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a replaced root, a forged seal, a seal under another key, a deleted seal: refused', async () => {
    const { metadataDir, anchor } = fresh();
    anchor.seal();
    writeFileSync(join(metadataDir, 'root.json'), '{"signed":{"_type":"root","version":1,"attacker":true}}');
    expect(await codeOf(() => anchor.check())).toBe('AGENT_TUF_ROOT_TAMPERED');
    // The attacker reseals with a key of their own: not the device's.
    new TrustAnchor(metadataDir, softwareSecurityVersionMac(randomBytes(32))).seal();
    expect(await codeOf(() => anchor.check())).toBe('AGENT_TUF_ROOT_TAMPERED');
    writeFileSync(anchor.sealFile, 'not json');
    expect(await codeOf(() => anchor.check())).toBe('AGENT_TUF_ROOT_TAMPERED');
    unlinkSync(anchor.sealFile);
    expect(await codeOf(() => anchor.check())).toBe('AGENT_TUF_ROOT_UNSEALED');
  });

  it('guard: a refresh that rotates the root (tuf-js writes the newer root) is resealed, even when the refresh then fails', async () => {
    const { metadataDir, anchor } = fresh();
    anchor.seal();
    const rotate = (version: number) => writeFileSync(join(metadataDir, 'root.json'), `{"signed":{"_type":"root","version":${version}}}`);
    expect(await anchor.guard(async () => (rotate(2), 'refreshed'))).toBe('refreshed');
    expect(anchor.check()).toMatch(/^[0-9a-f]{64}$/);
    await expect(
      anchor.guard(async () => {
        rotate(3);
        throw new Error('timestamp expired');
      }),
    ).rejects.toThrow('timestamp expired');
    expect(anchor.check()).toMatch(/^[0-9a-f]{64}$/);
    // A root that does not match its seal is never refreshed on.
    writeFileSync(join(metadataDir, 'root.json'), '{}');
    let ran = false;
    expect(await codeOf(() => anchor.guard(async () => (ran = true)))).toBe('AGENT_TUF_ROOT_TAMPERED');
    expect(ran).toBe(false);
  });
});
