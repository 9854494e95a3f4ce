/**
 * A device's public key in the forms operators and devices have at hand, normalised to an age
 * recipient string: an age recipient (`age1…`, `age1tag1…`), a PEM public key (SPKI), or an X.509
 * certificate (PEM) whose key is P-256 or X25519 — what a secure element's CSR or certificate holds.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { OspreyError } from '../errors.js';
import { P256TagRecipient } from './p256tag.js';
import { X25519Recipient } from './x25519.js';

function fromKeyObject(key: KeyObject): string {
  if (key.asymmetricKeyType === 'x25519') {
    return new X25519Recipient(key.export({ format: 'der', type: 'spki' }).subarray(12)).toString();
  }
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
    const jwk = key.export({ format: 'jwk' });
    const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    return new P256TagRecipient(point).toString();
  }
  throw new OspreyError('AGE_INVALID_RECIPIENT', `a device key must be P-256 or X25519, not ${key.asymmetricKeyType}`);
}

export function recipientFromDeviceKey(text: string): string {
  const value = text.trim();
  if (value.startsWith('age1tag1')) return new P256TagRecipient(value).toString();
  if (value.startsWith('age1')) return new X25519Recipient(value).toString();
  try {
    if (value.includes('-----BEGIN CERTIFICATE-----')) return fromKeyObject(new X509Certificate(value).publicKey);
    if (value.includes('-----BEGIN PUBLIC KEY-----')) return fromKeyObject(createPublicKey(value));
  } catch (cause) {
    if (cause instanceof OspreyError) throw cause;
    throw new OspreyError('AGE_INVALID_RECIPIENT', `the device key is not a readable PEM key or certificate: ${(cause as Error).message}`, { cause });
  }
  throw new OspreyError('AGE_INVALID_RECIPIENT', 'a device key must be an age recipient (age1…, age1tag1…), a PEM public key or an X.509 certificate');
}
