/**
 * Releases: pack a file into a signed and encrypted software update data set, re-wrap its file key
 * for new devices, verify it the way a device does, and decrypt it.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  AGE_CHUNK_SIZE,
  AgeDecryptStream,
  buildReleaseTarget,
  checkReleaseForDevice,
  generateFileKey,
  OspreyError,
  parseReleaseCustom,
  PayloadDecryptStream,
  PayloadEncryptStream,
  releaseTargetPath,
  unwrapHeader,
  wrapHeader,
  type Identity,
  type Recipient,
  type ReleaseCustom,
} from '@osprey/core';
import { commitTempFile, tempPathFor, writeFileAtomic, writeFileAtomicFrom } from '@osprey/fs';
import type { CliEnvironment } from './config.js';
import { UsageError } from './errors.js';
import { HashingStream } from './hashing.js';
import { KeyLoader, readKeyring } from './keyring.js';
import { progressStream } from './progress.js';
import { loadRepo, publishTargets, repoPaths, targetFilePath } from './repo.js';
import { fetchVerifiedTarget } from './tufclient.js';

export interface PackOptions {
  dir: string;
  file: string;
  name: string;
  version: string;
  securityVersion: number;
  hardware: string[];
  installType: string;
  recipients: Recipient[];
  encrypt: boolean;
  /** Also write a complete age file (header for the recipients || payload) here. */
  out?: string;
  now: Date;
}

export interface PackResult {
  path: string;
  length: number;
  sha256: string;
  custom: ReleaseCustom;
  payloadFile: string;
  headerFile?: string;
  targetsVersion: number;
}

/** Header files beside the repository: the escrow (and any recipients') stanzas for a payload. */
export function headerPath(dir: string, targetPath: string): string {
  return join(repoPaths(dir).releases, `${targetPath}.header`);
}

export async function releasePack(options: PackOptions, env: CliEnvironment): Promise<PackResult> {
  const encryption = options.encrypt ? ({ format: 'age-v1', chunkSize: AGE_CHUNK_SIZE } as const) : ({ format: 'none' } as const);
  // Validate the metadata before any heavy work, so a typo fails in a second, not after an hour.
  const draft = parseReleaseCustom({
    name: options.name,
    version: options.version,
    securityVersion: options.securityVersion,
    hardware: options.hardware,
    installType: options.installType,
    plaintext: { length: 0, sha256: '0'.repeat(64) },
    encryption,
  });
  const path = releaseTargetPath(draft);
  const keyring = readKeyring(options.dir);
  const state = loadRepo(options.dir);
  if (state.targets.signed.targets[path]) {
    throw new UsageError(`release ${path} already exists; releases are immutable, publish a new version`);
  }
  let size: number;
  try {
    size = statSync(options.file).size;
  } catch {
    throw new UsageError(`cannot read ${options.file}`);
  }
  const loader = new KeyLoader(options.dir, env);
  try {
    // Open every key first: a wrong passphrase must not cost an encryption pass.
    const signers = {
      targets: loader.signersFor(keyring, 'targets'),
      snapshot: loader.signersFor(keyring, 'snapshot'),
      timestamp: loader.signersFor(keyring, 'timestamp'),
    };
    const escrow = loader.escrowIdentity(keyring);
    const paths = repoPaths(options.dir);
    mkdirSync(paths.targets, { recursive: true });
    const temp = tempPathFor(join(paths.targets, path));
    const plain = new HashingStream();
    const cipher = new HashingStream();
    const fileKey = generateFileKey();
    const stages: Transform[] = [progressStream('pack', size, env.interactive), plain];
    if (options.encrypt) stages.push(new PayloadEncryptStream(fileKey));
    stages.push(cipher);
    try {
      await pipeline([createReadStream(options.file), ...stages, createWriteStream(temp, { flags: 'wx' })]);
    } catch (e) {
      rmSync(temp, { force: true });
      throw e;
    }
    const custom = parseReleaseCustom({ ...draft, plaintext: { length: plain.length, sha256: plain.digestHex() } });
    const target = buildReleaseTarget({ path, length: cipher.length, sha256: cipher.digestHex(), custom });
    const payloadFile = targetFilePath(options.dir, target);
    // Named after its hash (consistent snapshots), so committed only now that the hash is known.
    await commitTempFile(temp, payloadFile);
    let headerFile: string | undefined;
    if (options.encrypt) {
      // The escrow stanza keeps the file key recoverable for re-wrapping to devices added later.
      const header = await wrapHeader(fileKey, [escrow.recipient, ...options.recipients]);
      headerFile = headerPath(options.dir, path);
      writeFileAtomic(headerFile, header, { mode: 0o644 });
      if (options.out) await writeAgeFile(options.out, header, payloadFile);
    } else if (options.out) {
      throw new UsageError('--out writes an age file and needs encryption');
    }
    const published = await publishTargets(options.dir, state.root, state, [...Object.values(state.targets.signed.targets), target], signers, options.now);
    return { path, length: target.length, sha256: target.hashes.sha256!, custom, payloadFile, headerFile, targetsVersion: published.targets.signed.version };
  } finally {
    loader.close();
  }
}

async function writeAgeFile(out: string, header: Buffer, payloadFile: string): Promise<void> {
  await writeFileAtomicFrom(out, async (temp) => {
    const sink = createWriteStream(temp, { flags: 'wx' });
    sink.write(header);
    await pipeline(createReadStream(payloadFile), sink);
  });
}

/** A new header for `recipients` over an existing payload: the payload is not touched. */
export async function releaseRewrap(options: { dir: string; target: string; recipients: Recipient[]; out: string }, env: CliEnvironment): Promise<void> {
  if (options.recipients.length === 0) throw new UsageError('give at least one --recipient');
  const keyring = readKeyring(options.dir);
  const file = headerPath(options.dir, options.target);
  if (!existsSync(file)) throw new UsageError(`no header for ${options.target} in ${dirname(file)}: is it an encrypted release of this repository?`);
  const loader = new KeyLoader(options.dir, env);
  try {
    const fileKey = await unwrapHeader(readFileSync(file), [loader.escrowIdentity(keyring)]);
    writeFileAtomic(options.out, await wrapHeader(fileKey, options.recipients), { mode: 0o644 });
  } finally {
    loader.close();
  }
}

export interface VerifyOptions {
  /** Repository directory or http(s) base URL. */
  source: string;
  /** Trusted root metadata (what a device is provisioned with). */
  root: string;
  target: string;
  /** Device admission checks. */
  hardware?: string;
  securityVersion?: number;
}

export async function releaseVerify(options: VerifyOptions): Promise<{ custom: ReleaseCustom; length: number; sha256: string }> {
  const verified = await fetchVerifiedTarget({ source: options.source, trustedRoot: options.root, targetPath: options.target });
  try {
    if (options.hardware !== undefined || options.securityVersion !== undefined) {
      checkReleaseForDevice(verified.custom, { hardware: options.hardware ?? verified.custom.hardware[0]!, securityVersion: options.securityVersion ?? 0 });
    }
    return { custom: verified.custom, length: verified.target.length, sha256: verified.target.hashes.sha256! };
  } finally {
    verified.cleanup();
  }
}

export interface DecryptOptions {
  identities: Identity[];
  out: string;
  /** A complete age file… */
  input?: string;
  /** …or a device header and the shared payload. */
  header?: string;
  payload?: string;
  /** Verify through TUF first and check the final hash: repository dir or URL, and trusted root. */
  source?: string;
  root?: string;
  target?: string;
  hardware?: string;
  securityVersion?: number;
  interactive: boolean;
}

/**
 * Decrypt to `out`. The output appears only once every chunk has authenticated and, with TUF
 * verification, the plaintext matches its signed length and SHA-256 (the final hash).
 */
export async function releaseDecrypt(options: DecryptOptions): Promise<{ length: number; sha256: string; custom?: ReleaseCustom }> {
  let custom: ReleaseCustom | undefined;
  let cleanup = () => {};
  let payload = options.payload;
  if (options.source !== undefined) {
    if (!options.root || !options.target) throw new UsageError('verifying needs --root and --target as well as the repository');
    const verified = await fetchVerifiedTarget({ source: options.source, trustedRoot: options.root, targetPath: options.target });
    cleanup = verified.cleanup;
    custom = verified.custom;
    checkReleaseForDevice(custom, { hardware: options.hardware ?? custom.hardware[0]!, securityVersion: options.securityVersion ?? 0 });
    payload = verified.file;
    if (custom.encryption.format !== 'age-v1') throw new UsageError(`${options.target} is not encrypted: nothing to decrypt`);
  }
  try {
    let source: NodeJS.ReadableStream[];
    let decryptor: Transform;
    let size: number;
    if (options.input) {
      size = statSync(options.input).size;
      source = [createReadStream(options.input)];
      decryptor = new AgeDecryptStream(options.identities);
    } else {
      if (!options.header || !payload) throw new UsageError('give --in AGEFILE, or --header with --payload (or with a verified --target)');
      const fileKey = await unwrapHeader(readFileSync(options.header), options.identities);
      size = statSync(payload).size;
      source = [createReadStream(payload)];
      decryptor = new PayloadDecryptStream(fileKey);
    }
    const hash = new HashingStream();
    return await writeFileAtomicFrom(options.out, async (temp) => {
      await pipeline([source[0]!, progressStream('decrypt', size, options.interactive), decryptor, hash, createWriteStream(temp, { flags: 'wx' })]);
      const result = { length: hash.length, sha256: hash.digestHex() };
      if (custom && (custom.plaintext.length !== result.length || custom.plaintext.sha256 !== result.sha256)) {
        throw new OspreyError(
          'RELEASE_PLAINTEXT_MISMATCH',
          `decrypted ${result.length} bytes with SHA-256 ${result.sha256}; the release signs ${custom.plaintext.length} bytes with ${custom.plaintext.sha256}`,
        );
      }
      return { ...result, custom };
    });
  } finally {
    cleanup();
  }
}
