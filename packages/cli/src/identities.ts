import { readFileSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import {
  OspreyError,
  P256TagIdentity,
  P256TagRecipient,
  SoftwareP256KeyAgreement,
  X25519Identity,
  X25519Recipient,
  type Identity,
  type Recipient,
} from '@osprey/core';
import { UsageError } from './errors.js';

/** `age1tag1…` (P-256, secure elements) or `age1…` (X25519). */
export function parseRecipient(text: string): Recipient {
  const value = text.trim();
  if (value.startsWith('age1tag1')) return new P256TagRecipient(value);
  if (value.startsWith('age1')) return new X25519Recipient(value);
  throw new OspreyError('AGE_INVALID_RECIPIENT', `${JSON.stringify(value.slice(0, 20))} is not an age recipient (age1… or age1tag1…)`);
}

/** Recipients from command-line values and recipients files (one per line, # comments). */
export function loadRecipients(values: string[], files: string[]): Recipient[] {
  const lines = [...values];
  for (const file of files) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const trimmed = line.trim();
      if (trimmed && !trimmed.startsWith('#')) lines.push(trimmed);
    }
  }
  return lines.map(parseRecipient);
}

/**
 * Identities from a file: an age identity file (`AGE-SECRET-KEY-1…` lines, as `age-keygen`
 * writes), or a PEM private key (P-256 for p256tag, X25519).
 */
export function loadIdentityFile(path: string, passphrase: string | undefined): Identity[] {
  const text = readFileSync(path, 'utf8');
  if (text.includes('-----BEGIN')) {
    let key;
    try {
      key = createPrivateKey(text.includes('ENCRYPTED') ? { key: text, passphrase: passphrase ?? '' } : text);
    } catch (cause) {
      throw new OspreyError(
        text.includes('ENCRYPTED') ? 'KEY_WRONG_PASSPHRASE' : 'AGE_INVALID_IDENTITY',
        `cannot open identity ${path}: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (key.asymmetricKeyType === 'x25519') return [new X25519Identity(key)];
    return [new P256TagIdentity(new SoftwareP256KeyAgreement(key))];
  }
  const identities = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => new X25519Identity(l));
  if (identities.length === 0) throw new UsageError(`${path} holds no identity (AGE-SECRET-KEY-1… or a PEM key)`);
  return identities;
}
