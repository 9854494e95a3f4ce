import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decrypt, encrypt, P256TagRecipient, recipientFromDeviceKey } from '@osprey/core';
import { thrown } from '../../../../testkit/errors.js';
import { tempDirForFile } from '../../../../testkit/temp-dir.js';
import { failureCode } from '../errors.js';
import { SoftwareKeyElement } from './software.js';

const work = tempDirForFile('osprey-agent-se-');

function codeOf(f: () => unknown): string {
  const error = thrown(f);
  return error === undefined ? 'no error' : failureCode(error);
}

describe('SoftwareKeyElement', () => {
  it('generates a P-256 key file with mode 0600 once, and keeps it', async () => {
    const path = join(work, 'a', 'keys', 'device.pem');
    const element = new SoftwareKeyElement(path);
    expect(codeOf(() => element.recipient())).toBe('AGENT_KEY_MISSING');
    const first = await element.provision();
    expect(first.created).toBe(true);
    expect(first.recipient).toMatch(/^age1tag1/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(work, 'a', 'keys'))).toEqual(['device.pem']);
    // Only the public key leaves: the PEM is SPKI and names the same recipient.
    expect(first.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(recipientFromDeviceKey(first.publicKeyPem)).toBe(first.recipient);
    const again = await new SoftwareKeyElement(path).provision();
    expect(again).toEqual({ ...first, created: false });
  });

  it('unwraps what is encrypted to its recipient, and nothing else', async () => {
    const element = new SoftwareKeyElement(join(work, 'b.pem'));
    const other = new SoftwareKeyElement(join(work, 'c.pem'));
    await element.provision();
    await other.provision();
    const secret = Buffer.from('firmware bytes');
    const file = await encrypt(secret, [new P256TagRecipient(element.recipient())]);
    expect((await decrypt(file, [element.identity()])).equals(secret)).toBe(true);
    await expect(decrypt(file, [other.identity()])).rejects.toMatchObject({ code: 'AGE_NO_MATCHING_KEY' });
  });

  it('refuses a key file others can read, and one that is not a key', async () => {
    const path = join(work, 'd.pem');
    await new SoftwareKeyElement(path).provision();
    chmodSync(path, 0o644);
    expect(codeOf(() => new SoftwareKeyElement(path).identity())).toBe('AGENT_KEY_INSECURE');
    await expect(new SoftwareKeyElement(path).provision()).rejects.toMatchObject({ code: 'AGENT_KEY_INSECURE' });
    const junk = join(work, 'e.pem');
    writeFileSync(junk, 'not a key', { mode: 0o600 });
    expect(codeOf(() => new SoftwareKeyElement(junk).recipient())).toBe('KEY_INVALID');
  });

  it('encrypts the key file with a passphrase when given one', async () => {
    const path = join(work, 'f.pem');
    const provisioned = await new SoftwareKeyElement(path, { passphrase: 'device secret' }).provision();
    expect(new SoftwareKeyElement(path, { passphrase: 'device secret' }).recipient()).toBe(provisioned.recipient);
    expect(codeOf(() => new SoftwareKeyElement(path, { passphrase: 'wrong' }).recipient())).toBe('KEY_WRONG_PASSPHRASE');
  });

  it('provisions once when called several times at once', async () => {
    const path = join(work, 'g.pem');
    const results = await Promise.all([1, 2, 3].map(() => new SoftwareKeyElement(path).provision()));
    expect(new Set(results.map((r) => r.recipient)).size).toBe(1);
    expect(readdirSync(work).filter((n) => n.startsWith('g.pem'))).toEqual(['g.pem']);
  });
});
