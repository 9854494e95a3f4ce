/**
 * Detached artifact signatures for third-party clients: each tenant has an ECDSA P-256 signing key,
 * and every artifact is signed (SHA-256, DER-encoded ECDSA-Sig-Value) over the bytes the server
 * stores and serves — the ciphertext for encrypted artifacts. That is exactly what
 * `openssl dgst -sha256 -sign key.pem` writes and what
 * `openssl dgst -sha256 -verify pubkey.pem -signature file.sig file` checks.
 *
 * The signature is computed while the upload streams into the blob store (a pass-through tap),
 * so the file is read once. Keys follow the conventions of FileKeyService: PKCS#8 encrypted under
 * the server's key passphrase in `<dataDir>/keys/<tenant>/artifact-signing.pem`, created on first
 * use and cached in memory.
 */
import { createPrivateKey, createPublicKey, createSign, generateKeyPairSync, randomBytes, type KeyObject, type Sign } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import type { KeyService } from '../keys/keyservice.js';

/** A signature computed over data given in pieces: a key file's signer, or a digest signed in a token. */
export interface StreamingSignature {
  update(chunk: Buffer): void;
  /** DER-encoded ECDSA signature over everything given to update(). */
  sign(): Buffer;
}

/** With a private key in memory (file-backed keys). */
export function keySignature(key: KeyObject): StreamingSignature {
  const signer: Sign = createSign('sha256');
  return { update: (chunk) => void signer.update(chunk), sign: () => signer.sign({ key, dsaEncoding: 'der' }) };
}

/** A pass-through stream that signs every byte going through it; `sign()` once it has ended. */
export class SigningTap extends Transform {
  private signature: Buffer | undefined;

  constructor(private readonly state: StreamingSignature) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.state.update(chunk);
    done(null, chunk);
  }

  /** The DER signature over everything that went through (call after the stream has finished). */
  sign(): Buffer {
    this.signature ??= this.state.sign();
    return this.signature;
  }
}

export interface ArtifactSigning {
  /** A signing tap for a new artifact of `tenant` (creates the tenant's key on first use). */
  signer(tenant: string): SigningTap;
  /** The tenant's public verification key, SPKI PEM (creates the key on first use). */
  signingPublicKeyPem(tenant: string): string;
}

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;
const FILE = 'artifact-signing.pem';

/**
 * The file-backed signing keys of `<dataDir>/keys` (the directory FileKeyService uses).
 * @param passphrase the server's key passphrase; when absent, the one FileKeyService keeps in
 *   `keysDir/passphrase` (created here the same way if it does not exist yet).
 */
export function fileArtifactSigning(keysDir: string, passphrase: string | undefined): ArtifactSigning {
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const secret = passphrase || storedPassphrase(keysDir);
  const cache = new Map<string, { privateKey: KeyObject; publicPem: string }>();

  function key(tenant: string) {
    const cached = cache.get(tenant);
    if (cached) return cached;
    if (!TENANT.test(tenant)) throw new Error(`invalid tenant name ${JSON.stringify(tenant)}`);
    const dir = join(keysDir, tenant);
    const path = join(dir, FILE);
    if (!existsSync(path)) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const pem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
        format: 'pem',
        type: 'pkcs8',
        cipher: 'aes-256-cbc',
        passphrase: secret,
      });
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      writeFileSync(temp, pem, { mode: 0o600, flag: 'wx' });
      // link, not rename: if another process made the key meanwhile, keep theirs (it may have signed already).
      try {
        linkSync(temp, path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      } finally {
        rmSync(temp, { force: true });
      }
    }
    const privateKey = createPrivateKey({ key: readFileSync(path), passphrase: secret });
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error(`${path} is not an ECDSA P-256 key`);
    const entry = { privateKey, publicPem: createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString() };
    cache.set(tenant, entry);
    return entry;
  }

  return {
    signer: (tenant) => new SigningTap(keySignature(key(tenant).privateKey)),
    signingPublicKeyPem: (tenant) => key(tenant).publicPem,
  };
}

/** FileKeyService's convention for a server started without a passphrase. */
function storedPassphrase(keysDir: string): string {
  const file = join(keysDir, 'passphrase');
  if (!existsSync(file)) {
    try {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * The signing keys that go with a KeyService, registered by the composition root, so that code
 * handed only the KeyService (`seed(db, blobs, keys, spec)`) signs with the same tenant keys.
 */
const bound = new WeakMap<KeyService, ArtifactSigning>();

export function bindArtifactSigning(keys: KeyService, signing: ArtifactSigning): void {
  bound.set(keys, signing);
}

export function artifactSigningFor(keys: KeyService): ArtifactSigning {
  const signing = bound.get(keys);
  if (!signing) throw new Error('no artifact signing keys go with this KeyService: pass an ArtifactSigning (see fileArtifactSigning)');
  return signing;
}
