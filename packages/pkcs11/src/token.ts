/**
 * A PKCS#11 token (a secure element, an HSM, SoftHSM2 in tests) through pkcs11js. Private keys are
 * generated inside the token as non-extractable objects and only ever used there: signing
 * (CKM_ECDSA, CKM_EDDSA) for TUF metadata, and ECDH (CKM_ECDH1_DERIVE) for age p256tag unwrapping.
 * Secret HMAC keys are generated there too (CKM_GENERIC_SECRET_KEY_GEN) and used with
 * CKM_SHA256_HMAC, e.g. to authenticate the device's anti-rollback counter.
 */
import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { ecdsaP1363ToDer, OspreyError, tufKeyFromPublicKey, type P256KeyAgreement, type Signer } from '@osprey/core';
import type { Key } from '@tufjs/models';
import type * as Pkcs11Types from 'pkcs11js';

// pkcs11js is a CommonJS native addon; loaded lazily so that importing this package never fails
// on a machine without a compiler or without the addon built.
const require = createRequire(import.meta.url);
type Pkcs11Module = typeof Pkcs11Types;
let addon: Pkcs11Module | undefined;
function pkcs11js(): Pkcs11Module {
  addon ??= require('pkcs11js') as Pkcs11Module;
  return addon;
}

type Handle = Buffer;
const P256_EC_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex'); // OID 1.2.840.10045.3.1.7 prime256v1
const ED25519_EC_PARAMS = Buffer.from('06032b6570', 'hex'); // OID 1.3.101.112 (RFC 8410)
const CKM_EC_EDWARDS_KEY_PAIR_GEN = 0x1055;
const CKM_EDDSA = 0x1057;
const CKK_EC_EDWARDS = 0x40;
const CKR_CRYPTOKI_ALREADY_INITIALIZED = 0x191;
const CKR_PIN_INCORRECT = 0xa0;
const CKR_USER_ALREADY_LOGGED_IN = 0x100;
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type TokenKeyType = 'p256' | 'ed25519';

export interface TokenOptions {
  /** Path of the PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so. */
  module: string;
  /** Label of the token to use. */
  tokenLabel: string;
  /** User PIN. */
  pin: string;
}

/** One loaded module per path: C_Initialize may run only once per process. */
const modules = new Map<string, { lib: Pkcs11Types.PKCS11; users: number }>();

function pkcs11Error(cause: unknown, what: string): OspreyError {
  const code = (cause as { code?: number }).code;
  if (code === CKR_PIN_INCORRECT) return new OspreyError('PKCS11_ERROR', `${what}: wrong PIN for the token`, { cause });
  return new OspreyError('PKCS11_ERROR', `${what}: ${(cause as Error).message}`, { cause });
}

/** Strip the DER OCTET STRING around CKA_EC_POINT when the token wraps it (PKCS#11 2.40 §2.3.3). */
function unwrapEcPoint(value: Buffer, size: number): Buffer {
  if (value.length === size) return value;
  if (value[0] === 0x04 && value[1] === size && value.length === size + 2) return value.subarray(2);
  throw new OspreyError('PKCS11_ERROR', `unexpected CKA_EC_POINT encoding (${value.length} bytes)`);
}

export class Pkcs11Token {
  private constructor(
    private readonly lib: Pkcs11Types.PKCS11,
    private readonly modulePath: string,
    private readonly session: Handle,
  ) {}

  static open(options: TokenOptions): Pkcs11Token {
    const p = pkcs11js();
    let entry = modules.get(options.module);
    if (!entry) {
      const lib = new p.PKCS11();
      try {
        lib.load(options.module);
      } catch (cause) {
        throw new OspreyError('PKCS11_ERROR', `cannot load PKCS#11 module ${options.module}`, { cause });
      }
      try {
        lib.C_Initialize();
      } catch (cause) {
        if ((cause as { code?: number }).code !== CKR_CRYPTOKI_ALREADY_INITIALIZED) throw pkcs11Error(cause, 'C_Initialize');
      }
      entry = { lib, users: 0 };
      modules.set(options.module, entry);
    }
    const { lib } = entry;
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).label.trim() === options.tokenLabel);
    if (!slot) throw new OspreyError('PKCS11_OBJECT_NOT_FOUND', `no PKCS#11 token labelled "${options.tokenLabel}" in ${options.module}`);
    let session: Handle;
    try {
      session = lib.C_OpenSession(slot, p.CKF_SERIAL_SESSION | p.CKF_RW_SESSION);
    } catch (cause) {
      throw pkcs11Error(cause, 'C_OpenSession');
    }
    try {
      lib.C_Login(session, p.CKU_USER, options.pin);
    } catch (cause) {
      // PKCS#11 login state belongs to the process, not the session: a second session of an
      // application that already logged in is logged in too (PKCS#11 2.40 §5.6, C_Login).
      if ((cause as { code?: number }).code === CKR_USER_ALREADY_LOGGED_IN) {
        entry.users++;
        return new Pkcs11Token(lib, options.module, session);
      }
      lib.C_CloseSession(session);
      throw pkcs11Error(cause, 'C_Login');
    }
    entry.users++;
    return new Pkcs11Token(lib, options.module, session);
  }

  close(): void {
    try {
      this.lib.C_Logout(this.session);
    } catch {
      // already logged out: closing the session is what matters
    }
    this.lib.C_CloseSession(this.session);
    const entry = modules.get(this.modulePath);
    if (entry && --entry.users === 0) {
      modules.delete(this.modulePath);
      this.lib.C_Finalize();
      this.lib.close();
    }
  }

  /** Generate a non-extractable key pair inside the token; returns its public key. */
  generateKeyPair(label: string, type: TokenKeyType, usage: { sign?: boolean; derive?: boolean } = { sign: true }): KeyObject {
    const p = pkcs11js();
    if (this.findKey(label, p.CKO_PRIVATE_KEY, false)) {
      throw new OspreyError('PKCS11_ERROR', `the token already holds a key labelled "${label}"`);
    }
    const id = randomBytes(16);
    const common = [
      { type: p.CKA_TOKEN, value: true },
      { type: p.CKA_LABEL, value: label },
      { type: p.CKA_ID, value: id },
    ];
    const mechanism = type === 'p256' ? p.CKM_EC_KEY_PAIR_GEN : CKM_EC_EDWARDS_KEY_PAIR_GEN;
    const publicTemplate = [
      ...common,
      { type: p.CKA_EC_PARAMS, value: type === 'p256' ? P256_EC_PARAMS : ED25519_EC_PARAMS },
      { type: p.CKA_VERIFY, value: !!usage.sign },
    ];
    const privateTemplate = [
      ...common,
      { type: p.CKA_PRIVATE, value: true },
      { type: p.CKA_SENSITIVE, value: true },
      { type: p.CKA_EXTRACTABLE, value: false },
      { type: p.CKA_SIGN, value: !!usage.sign },
      { type: p.CKA_DERIVE, value: !!usage.derive },
    ];
    try {
      this.lib.C_GenerateKeyPair(this.session, { mechanism }, publicTemplate, privateTemplate);
    } catch (cause) {
      throw pkcs11Error(cause, `generating a ${type} key pair`);
    }
    return this.publicKey(label);
  }

  private findKey(label: string, objectClass: number, required = true): Handle | null {
    const p = pkcs11js();
    this.lib.C_FindObjectsInit(this.session, [
      { type: p.CKA_CLASS, value: objectClass },
      { type: p.CKA_LABEL, value: label },
    ]);
    const found = this.lib.C_FindObjects(this.session, 2);
    this.lib.C_FindObjectsFinal(this.session);
    if (found.length > 1) throw new OspreyError('PKCS11_ERROR', `more than one key labelled "${label}" on the token`);
    if (found.length === 0 && required) throw new OspreyError('PKCS11_OBJECT_NOT_FOUND', `no key labelled "${label}" on the token`);
    return found[0] ?? null;
  }

  private keyTypeOf(handle: Handle): TokenKeyType {
    const p = pkcs11js();
    const [attr] = this.lib.C_GetAttributeValue(this.session, handle, [{ type: p.CKA_KEY_TYPE }]);
    const raw = attr!.value as Buffer; // CK_ULONG in host byte order (8 bytes on 64-bit Linux)
    const keyType = raw.length === 8 ? Number(raw.readBigUInt64LE(0)) : raw.readUInt32LE(0);
    if (keyType === p.CKK_EC) return 'p256';
    if (keyType === CKK_EC_EDWARDS) return 'ed25519';
    throw new OspreyError('KEY_UNSUPPORTED', `key type 0x${keyType.toString(16)} is not supported`);
  }

  /** Labels of the private keys on the token that start with `prefix`, sorted. */
  privateKeyLabels(prefix: string): string[] {
    const p = pkcs11js();
    this.lib.C_FindObjectsInit(this.session, [{ type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY }]);
    const handles = this.lib.C_FindObjects(this.session, 10_000);
    this.lib.C_FindObjectsFinal(this.session);
    const labels: string[] = [];
    for (const handle of handles) {
      const [attr] = this.lib.C_GetAttributeValue(this.session, handle, [{ type: p.CKA_LABEL }]);
      const label = (attr!.value as Buffer).toString('utf8');
      if (label.startsWith(prefix)) labels.push(label);
    }
    return labels.sort();
  }

  /** Rename a key pair (both halves), e.g. to retire it. */
  relabel(label: string, newLabel: string): void {
    const p = pkcs11js();
    for (const objectClass of [p.CKO_PRIVATE_KEY, p.CKO_PUBLIC_KEY]) {
      const handle = this.findKey(label, objectClass, false);
      if (handle) this.lib.C_SetAttributeValue(this.session, handle, [{ type: p.CKA_LABEL, value: newLabel }]);
    }
  }

  /**
   * Import a P-256 or Ed25519 private key made elsewhere (e.g. in an offline ceremony) as a
   * non-extractable token key. The caller destroys its copy afterwards.
   */
  importKeyPair(label: string, privateKey: KeyObject, usage: { sign?: boolean; derive?: boolean } = { sign: true }): KeyObject {
    const p = pkcs11js();
    if (this.findKey(label, p.CKO_PRIVATE_KEY, false)) throw new OspreyError('PKCS11_ERROR', `the token already holds a key labelled "${label}"`);
    const jwk = privateKey.export({ format: 'jwk' });
    let keyType: number;
    let params: Buffer;
    let point: Buffer;
    if (privateKey.asymmetricKeyType === 'ec' && jwk.crv === 'P-256') {
      keyType = p.CKK_EC;
      params = P256_EC_PARAMS;
      point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
    } else if (privateKey.asymmetricKeyType === 'ed25519') {
      keyType = CKK_EC_EDWARDS;
      params = ED25519_EC_PARAMS;
      point = Buffer.from(jwk.x!, 'base64url');
    } else {
      throw new OspreyError('KEY_UNSUPPORTED', `only P-256 and Ed25519 keys can be imported, not ${privateKey.asymmetricKeyType}`);
    }
    const id = randomBytes(16);
    try {
      this.lib.C_CreateObject(this.session, [
        { type: p.CKA_CLASS, value: p.CKO_PRIVATE_KEY },
        { type: p.CKA_KEY_TYPE, value: keyType },
        { type: p.CKA_TOKEN, value: true },
        { type: p.CKA_PRIVATE, value: true },
        { type: p.CKA_SENSITIVE, value: true },
        { type: p.CKA_EXTRACTABLE, value: false },
        { type: p.CKA_LABEL, value: label },
        { type: p.CKA_ID, value: id },
        { type: p.CKA_EC_PARAMS, value: params },
        { type: p.CKA_VALUE, value: Buffer.from(jwk.d!, 'base64url') },
        { type: p.CKA_SIGN, value: !!usage.sign },
        { type: p.CKA_DERIVE, value: !!usage.derive },
      ]);
      this.lib.C_CreateObject(this.session, [
        { type: p.CKA_CLASS, value: p.CKO_PUBLIC_KEY },
        { type: p.CKA_KEY_TYPE, value: keyType },
        { type: p.CKA_TOKEN, value: true },
        { type: p.CKA_LABEL, value: label },
        { type: p.CKA_ID, value: id },
        { type: p.CKA_EC_PARAMS, value: params },
        // PKCS#11 2.40 §2.3.3: CKA_EC_POINT is the DER OCTET STRING of the point.
        { type: p.CKA_EC_POINT, value: Buffer.concat([Buffer.from([0x04, point.length]), point]) },
        { type: p.CKA_VERIFY, value: !!usage.sign },
      ]);
    } catch (cause) {
      throw pkcs11Error(cause, `importing key "${label}"`);
    }
    return this.publicKey(label);
  }

  /** Raw public point: 65-byte uncompressed P-256, or 32-byte Ed25519. */
  publicPoint(label: string): { type: TokenKeyType; point: Buffer } {
    const p = pkcs11js();
    const handle = this.findKey(label, p.CKO_PUBLIC_KEY)!;
    const type = this.keyTypeOf(handle);
    const [attr] = this.lib.C_GetAttributeValue(this.session, handle, [{ type: p.CKA_EC_POINT }]);
    return { type, point: unwrapEcPoint(attr!.value as Buffer, type === 'p256' ? 65 : 32) };
  }

  publicKey(label: string): KeyObject {
    const { type, point } = this.publicPoint(label);
    if (type === 'ed25519') return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, point]), format: 'der', type: 'spki' });
    return createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url') },
      format: 'jwk',
    });
  }

  /** A TUF Signer whose private key never leaves the token. */
  signer(label: string): Signer {
    const p = pkcs11js();
    const privateKey = this.findKey(label, p.CKO_PRIVATE_KEY)!;
    const type = this.keyTypeOf(privateKey);
    const key: Key = tufKeyFromPublicKey(this.publicKey(label));
    return {
      key,
      sign: async (data: Uint8Array): Promise<Uint8Array> => {
        try {
          if (type === 'ed25519') {
            this.lib.C_SignInit(this.session, { mechanism: CKM_EDDSA }, privateKey);
            return this.lib.C_Sign(this.session, Buffer.from(data), Buffer.alloc(64));
          }
          // SoftHSM2 lacks CKM_ECDSA_SHA256: hash here, sign the digest in the token.
          const digest = createHash('sha256').update(data).digest();
          this.lib.C_SignInit(this.session, { mechanism: p.CKM_ECDSA }, privateKey);
          return ecdsaP1363ToDer(this.lib.C_Sign(this.session, digest, Buffer.alloc(64)));
        } catch (cause) {
          throw pkcs11Error(cause, `signing with token key "${label}"`);
        }
      },
    };
  }

  /** ECDSA P-256 over a SHA-256 digest computed by the caller (streaming), DER-encoded. */
  signDigest(label: string, digest: Uint8Array): Buffer {
    const p = pkcs11js();
    const privateKey = this.findKey(label, p.CKO_PRIVATE_KEY)!;
    if (this.keyTypeOf(privateKey) !== 'p256') throw new OspreyError('KEY_UNSUPPORTED', `token key "${label}" is not a P-256 key`);
    try {
      this.lib.C_SignInit(this.session, { mechanism: p.CKM_ECDSA }, privateKey);
      return ecdsaP1363ToDer(this.lib.C_Sign(this.session, Buffer.from(digest), Buffer.alloc(64)));
    } catch (cause) {
      throw pkcs11Error(cause, `signing with token key "${label}"`);
    }
  }

  /** P-256 ECDH inside the token (CKM_ECDH1_DERIVE, CKD_NULL): the age p256tag unwrap step. */
  keyAgreement(label: string): P256KeyAgreement {
    const p = pkcs11js();
    const privateKey = this.findKey(label, p.CKO_PRIVATE_KEY)!;
    if (this.keyTypeOf(privateKey) !== 'p256') throw new OspreyError('KEY_UNSUPPORTED', `token key "${label}" is not a P-256 key`);
    const publicKey = this.publicPoint(label).point;
    return {
      publicKey,
      deriveSharedSecret: async (peer: Uint8Array): Promise<Uint8Array> => {
        const ecdh: Pkcs11Types.ECDH1 = { type: p.CK_PARAMS_EC_DH, kdf: p.CKD_NULL, publicData: Buffer.from(peer) };
        let secret: Handle;
        try {
          secret = this.lib.C_DeriveKey(this.session, { mechanism: p.CKM_ECDH1_DERIVE, parameter: ecdh }, privateKey, [
            { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
            { type: p.CKA_KEY_TYPE, value: p.CKK_GENERIC_SECRET },
            { type: p.CKA_VALUE_LEN, value: 32 },
            { type: p.CKA_TOKEN, value: false },
            { type: p.CKA_SENSITIVE, value: false },
            { type: p.CKA_EXTRACTABLE, value: true },
          ]);
        } catch (cause) {
          throw new OspreyError('AGE_STANZA_INVALID', 'the token rejected the ephemeral P-256 point', { cause });
        }
        try {
          const [attr] = this.lib.C_GetAttributeValue(this.session, secret, [{ type: p.CKA_VALUE }]);
          return Buffer.from(attr!.value as Buffer);
        } finally {
          this.lib.C_DestroyObject(this.session, secret);
        }
      },
    };
  }

  /**
   * A 32-byte HMAC-SHA256 key generated inside the token (CKM_GENERIC_SECRET_KEY_GEN,
   * CKK_GENERIC_SECRET): token-resident, private, sensitive, non-extractable, usable only for
   * C_Sign/C_Verify. Idempotent by label: an existing generic secret key labelled `label` is kept
   * (`created: false`), never replaced. `testOnlyExtractable` makes a key whose value can be read
   * (not sensitive, extractable), for tests that check the token's HMAC against another
   * implementation; never use it for a real key.
   */
  generateHmacKey(label: string, options: { testOnlyExtractable?: boolean } = {}): { created: boolean } {
    const p = pkcs11js();
    const existing = this.findKey(label, p.CKO_SECRET_KEY, false);
    if (existing) {
      if (this.secretKeyAttributes(label).keyType !== p.CKK_GENERIC_SECRET) {
        throw new OspreyError('KEY_UNSUPPORTED', `token key "${label}" is not a generic secret (HMAC) key`);
      }
      return { created: false };
    }
    const exportable = options.testOnlyExtractable === true;
    try {
      this.lib.C_GenerateKey(this.session, { mechanism: p.CKM_GENERIC_SECRET_KEY_GEN }, [
        { type: p.CKA_CLASS, value: p.CKO_SECRET_KEY },
        { type: p.CKA_KEY_TYPE, value: p.CKK_GENERIC_SECRET },
        { type: p.CKA_VALUE_LEN, value: 32 },
        { type: p.CKA_TOKEN, value: true },
        { type: p.CKA_PRIVATE, value: true },
        { type: p.CKA_LABEL, value: label },
        { type: p.CKA_ID, value: randomBytes(16) },
        { type: p.CKA_SENSITIVE, value: !exportable },
        { type: p.CKA_EXTRACTABLE, value: exportable },
        { type: p.CKA_SIGN, value: true },
        { type: p.CKA_VERIFY, value: true },
        { type: p.CKA_ENCRYPT, value: false },
        { type: p.CKA_DECRYPT, value: false },
        { type: p.CKA_WRAP, value: false },
        { type: p.CKA_UNWRAP, value: false },
        { type: p.CKA_DERIVE, value: false },
      ]);
    } catch (cause) {
      throw pkcs11Error(cause, `generating HMAC key "${label}"`);
    }
    return { created: true };
  }

  /** What the token says about secret key `label` (throws PKCS11_OBJECT_NOT_FOUND if absent). */
  secretKeyAttributes(label: string): {
    keyType: number;
    valueLength: number;
    token: boolean;
    sensitive: boolean;
    extractable: boolean;
    alwaysSensitive: boolean;
    neverExtractable: boolean;
    sign: boolean;
    verify: boolean;
  } {
    const p = pkcs11js();
    const handle = this.findKey(label, p.CKO_SECRET_KEY)!;
    const types = [
      p.CKA_KEY_TYPE,
      p.CKA_VALUE_LEN,
      p.CKA_TOKEN,
      p.CKA_SENSITIVE,
      p.CKA_EXTRACTABLE,
      p.CKA_ALWAYS_SENSITIVE,
      p.CKA_NEVER_EXTRACTABLE,
      p.CKA_SIGN,
      p.CKA_VERIFY,
    ];
    const values = this.lib
      .C_GetAttributeValue(
        this.session,
        handle,
        types.map((type) => ({ type })),
      )
      .map((a) => a.value as Buffer);
    const bool = (i: number) => values[i]![0] === 1;
    return {
      keyType: readUlong(values[0]!),
      valueLength: readUlong(values[1]!),
      token: bool(2),
      sensitive: bool(3),
      extractable: bool(4),
      alwaysSensitive: bool(5),
      neverExtractable: bool(6),
      sign: bool(7),
      verify: bool(8),
    };
  }

  /**
   * CKA_VALUE of secret key `label`. The token refuses (PKCS11_ERROR, CKR_ATTRIBUTE_SENSITIVE)
   * for every key {@link generateHmacKey} makes, except a `testOnlyExtractable` one.
   */
  secretKeyValue(label: string): Buffer {
    const p = pkcs11js();
    const handle = this.findKey(label, p.CKO_SECRET_KEY)!;
    try {
      const [attr] = this.lib.C_GetAttributeValue(this.session, handle, [{ type: p.CKA_VALUE }]);
      return Buffer.from(attr!.value as Buffer);
    } catch (cause) {
      throw pkcs11Error(cause, `reading the value of token key "${label}"`);
    }
  }

  /** HMAC-SHA256 of `data` in the token (CKM_SHA256_HMAC, C_Sign) under secret key `label`. */
  hmacSha256(label: string, data: Uint8Array): Buffer {
    const p = pkcs11js();
    const key = this.findKey(label, p.CKO_SECRET_KEY)!;
    try {
      this.lib.C_SignInit(this.session, { mechanism: p.CKM_SHA256_HMAC }, key);
      // Multi-part: C_Sign refuses empty data (CKR_ARGUMENTS_BAD), C_SignFinal alone does not.
      if (data.length > 0) this.lib.C_SignUpdate(this.session, Buffer.from(data));
      return Buffer.from(this.lib.C_SignFinal(this.session, Buffer.alloc(32)));
    } catch (cause) {
      // An operation left active would block the session (SoftHSM: CKR_OPERATION_ACTIVE on the next
      // find); finishing it ends it, and fails harmlessly if the error already ended it.
      try {
        this.lib.C_SignFinal(this.session, Buffer.alloc(32));
      } catch {
        // not active
      }
      throw pkcs11Error(cause, `HMAC with token key "${label}"`);
    }
  }
}

/** A CK_ULONG attribute in host byte order (8 bytes on 64-bit Linux, 4 elsewhere). */
function readUlong(raw: Buffer): number {
  return raw.length === 8 ? Number(raw.readBigUInt64LE(0)) : raw.readUInt32LE(0);
}
