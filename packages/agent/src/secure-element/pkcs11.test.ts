/**
 * The device key in a PKCS#11 token (SoftHSM2): generated inside at provisioning, only the public
 * key leaves, and age p256tag headers are unwrapped by ECDH in the token.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encrypt, decrypt, P256TagRecipient, recipientFromDeviceKey } from '@osprey/core';
import { Pkcs11Token } from '@osprey/pkcs11';
import { createSoftHsmToken, type SoftHsmToken } from '../../../../testkit/softhsm.js';
import { hasSoftHsm } from '../../../../testkit/tools.js';
import { failureCode } from '../errors.js';
import { Pkcs11Element } from './pkcs11.js';

describe.runIf(hasSoftHsm())('Pkcs11Element on SoftHSM2', () => {
  let hsm: SoftHsmToken;
  let token: Pkcs11Token;

  beforeAll(() => {
    hsm = createSoftHsmToken('osprey-agent', '4321');
    token = Pkcs11Token.open(hsm);
  });
  afterAll(() => {
    token?.close();
    if (hsm) rmSync(hsm.dir, { recursive: true, force: true });
  });

  it('generates the device key inside the token once; only the public key leaves', async () => {
    const element = new Pkcs11Element(token, { label: 'device-1' });
    let missing = '';
    try {
      element.recipient();
    } catch (e) {
      missing = failureCode(e);
    }
    expect(missing).toBe('AGENT_KEY_MISSING');
    const first = await element.provision();
    expect(first).toMatchObject({ created: true, recipient: expect.stringMatching(/^age1tag1/) });
    expect(recipientFromDeviceKey(first.publicKeyPem)).toBe(first.recipient);
    expect(await element.provision()).toEqual({ ...first, created: false });
    expect(token.privateKeyLabels('device-')).toEqual(['device-1']);
  });

  it('unwraps in the token what is encrypted to its recipient, and nothing else', async () => {
    const element = new Pkcs11Element(token, { label: 'device-2' });
    await element.provision();
    const other = new Pkcs11Element(token, { label: 'device-3' });
    await other.provision();
    const image = Buffer.from('an image for device 2 only');
    const file = await encrypt(image, [new P256TagRecipient(element.recipient())]);
    expect((await decrypt(file, [element.identity()])).equals(image)).toBe(true);
    await expect(decrypt(file, [other.identity()])).rejects.toMatchObject({ code: 'AGE_NO_MATCHING_KEY' });
  });

  it('opens its own session when asked to', async () => {
    const element = Pkcs11Element.open(hsm, 'device-1');
    try {
      expect(element.recipient()).toBe(new Pkcs11Element(token, { label: 'device-1' }).recipient());
    } finally {
      element.close();
    }
  });
});
