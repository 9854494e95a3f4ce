/**
 * Private keys at rest: PKCS#8 PEM, encrypted with the passphrase (PBES2 as OpenSSL writes it),
 * so `openssl pkey` can read them too.
 */
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OspreyError } from '@osprey/core';
import { writeFileAtomic } from '@osprey/fs';

export type KeyFileType = 'ed25519' | 'ecdsa' | 'x25519';

export function generatePrivateKey(type: KeyFileType): KeyObject {
  if (type === 'ecdsa') return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  if (type === 'x25519') return generateKeyPairSync('x25519').privateKey;
  return generateKeyPairSync('ed25519').privateKey;
}

export function writeKeyFile(path: string, key: KeyObject, passphrase: string): void {
  const pem = key.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase });
  writeFileAtomic(path, pem, { mode: 0o600 });
}

export function readKeyFile(path: string, passphrase: string | undefined): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (cause) {
    throw new OspreyError('KEY_INVALID', `cannot read key file ${path}: ${(cause as Error).message}`, { cause });
  }
  const encrypted = pem.includes('ENCRYPTED PRIVATE KEY');
  if (encrypted && passphrase === undefined) {
    throw new OspreyError('KEY_WRONG_PASSPHRASE', `key file ${path} is encrypted: set OSPREY_PASSPHRASE or pass --passphrase-file`);
  }
  try {
    return createPrivateKey(encrypted ? { key: pem, passphrase: passphrase! } : { key: pem });
  } catch (cause) {
    if (encrypted) throw new OspreyError('KEY_WRONG_PASSPHRASE', `the passphrase does not open ${path}`, { cause });
    throw new OspreyError('KEY_INVALID', `${path} is not a PEM private key`, { cause });
  }
}
