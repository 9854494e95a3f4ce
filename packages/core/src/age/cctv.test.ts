/**
 * C2SP CCTV age test vectors (npm `cctv-age`): every vector for what Osprey implements (X25519,
 * STREAM, header parsing and encoding, failure cases) must give the expected outcome.
 * Vectors for unimplemented features (scrypt passphrases, ASCII armor, ML-KEM hybrids) are listed
 * and left out on purpose.
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import * as vectors from 'cctv-age';
import { describe, expect, it } from 'vitest';
import { isOspreyError } from '../errors.js';
import { decrypt } from './age.js';
import { encodeStanza, parseHeader, findHeaderEnd } from './format.js';
import { X25519Identity } from './x25519.js';

interface Vector {
  name: string;
  expect: string;
  payloadSha256?: string;
  identities: string[];
  passphrase: boolean;
  armored: boolean;
  file: Buffer;
}

function parseVector(name: string, bytes: Uint8Array): Vector {
  const buf = Buffer.from(bytes);
  const split = buf.indexOf('\n\n');
  const fields = buf.subarray(0, split).toString('utf8').split('\n');
  const v: Vector = { name, expect: '', identities: [], passphrase: false, armored: false, file: buf.subarray(split + 2) };
  for (const line of fields) {
    const at = line.indexOf(': ');
    const key = line.slice(0, at);
    const value = line.slice(at + 2);
    if (key === 'expect') v.expect = value;
    else if (key === 'payload') v.payloadSha256 = value;
    else if (key === 'identity') v.identities.push(value);
    else if (key === 'passphrase') v.passphrase = true;
    else if (key === 'armored') v.armored = value === 'yes';
    else if (key === 'compressed' && value === 'zlib') v.file = inflateSync(v.file);
  }
  return v;
}

const all = Object.entries(vectors as unknown as Record<string, Uint8Array>)
  .filter(([name]) => name !== 'default')
  .map(([name, bytes]) => parseVector(name, bytes));
const implemented = all.filter((v) => !v.passphrase && !v.armored && v.identities.length > 0 && v.identities.every((id) => id.startsWith('AGE-SECRET-KEY-1')));

const failureCodes: Record<string, string[]> = {
  // A file that ends before the payload nonce counts as a header failure in CCTV; we call it truncated.
  'header failure': ['AGE_HEADER_INVALID', 'AGE_UNSUPPORTED_VERSION', 'AGE_STANZA_INVALID', 'AGE_TRUNCATED'],
  'HMAC failure': ['AGE_HEADER_MAC_MISMATCH'],
  'no match': ['AGE_NO_MATCHING_KEY'],
  'payload failure': ['AGE_CHUNK_AUTH_FAILED', 'AGE_TRUNCATED', 'AGE_TRAILING_DATA'],
};

describe('C2SP CCTV age vectors', () => {
  it('covers the implemented vectors', () => {
    // 150-odd vectors ship; 66 of them are X25519, STREAM and header vectors.
    expect(implemented.length).toBeGreaterThan(60);
    expect(implemented.some((v) => v.expect === 'success')).toBe(true);
  });

  it.each(implemented.map((v) => [v.name, v] as const))('%s', async (_name, v) => {
    const identities = v.identities.map((id) => new X25519Identity(id));
    if (v.expect === 'success') {
      const plaintext = await decrypt(v.file, identities);
      expect(createHash('sha256').update(plaintext).digest('hex')).toBe(v.payloadSha256);
      // Header encoding round-trips byte for byte.
      const end = findHeaderEnd(v.file);
      const parsed = parseHeader(v.file.subarray(0, end));
      const reencoded = `age-encryption.org/v1\n${parsed.stanzas.map(encodeStanza).join('')}---`;
      expect(reencoded).toBe(parsed.macInput.toString('latin1'));
      return;
    }
    const codes = failureCodes[v.expect];
    expect(codes, `unknown expectation ${v.expect}`).toBeDefined();
    const error = await decrypt(v.file, identities).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOspreyError(error), `${v.name}: expected a typed error, got ${String(error)}`).toBe(true);
    expect(codes).toContain((error as { code: string }).code);
  });
});
