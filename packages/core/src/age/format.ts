/**
 * The age v1 header: pure parse and encode (C2SP age specification, "Header").
 *
 *   age-encryption.org/v1\n
 *   -> TYPE ARG…\n  base64 body wrapped at 64 columns, last line shorter than 64 (maybe empty)\n
 *   --- base64(HMAC-SHA-256(HKDF(file key, "", "header"), header up to and including "---"))\n
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { OspreyError } from '../errors.js';
import { base64NoPad, decodeBase64NoPad } from '../encoding.js';

export const AGE_VERSION_LINE = 'age-encryption.org/v1';
export const FILE_KEY_SIZE = 16;
const COLUMNS = 64;
const ARG_CHARS = /^[\x21-\x7e]+$/;
const BASE64_CHARS = /^[A-Za-z0-9+/]*$/;

/** One recipient stanza: `-> type args…` and its body. */
export interface Stanza {
  readonly type: string;
  readonly args: readonly string[];
  readonly body: Uint8Array;
}

export interface ParsedHeader {
  readonly stanzas: readonly Stanza[];
  /** The bytes the MAC covers: everything up to and including the `---` of the MAC line. */
  readonly macInput: Buffer;
  readonly mac: Buffer;
  /** Total header length in bytes, including the MAC line's newline. */
  readonly length: number;
}

function invalid(message: string): OspreyError {
  return new OspreyError('AGE_HEADER_INVALID', `invalid age header: ${message}`);
}

/**
 * Where the header ends in `buf`: the index just past the newline of the MAC line, or -1 if the
 * header is not complete yet. The MAC line is the first line that starts with `---`; stanza lines
 * start with `->` and body lines are base64, so neither can be mistaken for it.
 */
export function findHeaderEnd(buf: Uint8Array): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const at = b.indexOf('\n---', 0, 'latin1');
  if (at < 0) return -1;
  const eol = b.indexOf(0x0a, at + 4);
  return eol < 0 ? -1 : eol + 1;
}

export function parseHeader(header: Uint8Array): ParsedHeader {
  const text = Buffer.from(header.buffer, header.byteOffset, header.byteLength).toString('latin1');
  if (!text.endsWith('\n')) throw invalid('header does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  const version = lines[0] ?? '';
  if (version !== AGE_VERSION_LINE) {
    if (version.startsWith('age-encryption.org/')) {
      throw new OspreyError('AGE_UNSUPPORTED_VERSION', `unsupported age version line ${JSON.stringify(version)}`);
    }
    throw invalid('missing the age-encryption.org/v1 version line');
  }
  const stanzas: Stanza[] = [];
  let offset = version.length + 1;
  let i = 1;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.startsWith('---')) {
      if (i !== lines.length - 1) throw invalid('data after the MAC line');
      if (!line.startsWith('--- ')) throw invalid('MAC line must be "--- " followed by the MAC');
      const mac = decodeBase64NoPad(line.slice(4));
      if (mac.length !== 32) throw invalid('MAC must be 32 bytes');
      return {
        stanzas,
        macInput: Buffer.from(text.slice(0, offset + 3), 'latin1'),
        mac,
        length: text.length,
      };
    }
    if (!line.startsWith('-> ')) throw invalid(`unexpected line ${JSON.stringify(line.slice(0, 40))}`);
    const words = line.slice(3).split(' ');
    for (const w of words) if (!ARG_CHARS.test(w)) throw invalid('stanza arguments must be non-empty printable ASCII');
    offset += line.length + 1;
    i++;
    // Body: full 64-column lines, then exactly one shorter (possibly empty) line.
    let body = '';
    for (;;) {
      const bodyLine = lines[i];
      if (bodyLine === undefined) throw invalid('stanza body has no final short line');
      if (!BASE64_CHARS.test(bodyLine) || bodyLine.length > COLUMNS) {
        throw invalid('stanza body lines must be base64 of at most 64 columns');
      }
      body += bodyLine;
      offset += bodyLine.length + 1;
      i++;
      if (bodyLine.length < COLUMNS) break;
    }
    const [type, ...args] = words as [string, ...string[]];
    stanzas.push({ type, args, body: decodeBase64NoPad(body) });
  }
  throw invalid('missing the MAC line');
}

export function encodeStanza(stanza: Stanza): string {
  const words = [stanza.type, ...stanza.args];
  for (const w of words) if (!ARG_CHARS.test(w)) throw invalid(`bad stanza argument ${JSON.stringify(w)}`);
  const b64 = base64NoPad(stanza.body);
  let out = `-> ${words.join(' ')}\n`;
  for (let at = 0; at < b64.length; at += COLUMNS) out += b64.slice(at, at + COLUMNS) + '\n';
  if (b64.length % COLUMNS === 0) out += '\n';
  return out;
}

export function headerMacKey(fileKey: Uint8Array): Buffer {
  return Buffer.from(hkdfSync('sha256', fileKey, new Uint8Array(0), 'header', 32));
}

export function computeHeaderMac(fileKey: Uint8Array, macInput: Uint8Array): Buffer {
  return createHmac('sha256', headerMacKey(fileKey)).update(macInput).digest();
}

/** Encode a complete header for already-wrapped stanzas and MAC it with the file key. */
export function encodeHeader(fileKey: Uint8Array, stanzas: readonly Stanza[]): Buffer {
  const macInput = Buffer.from(`${AGE_VERSION_LINE}\n${stanzas.map(encodeStanza).join('')}---`, 'latin1');
  const mac = computeHeaderMac(fileKey, macInput);
  return Buffer.concat([macInput, Buffer.from(` ${base64NoPad(mac)}\n`, 'latin1')]);
}

export function verifyHeaderMac(fileKey: Uint8Array, parsed: ParsedHeader): void {
  const expected = computeHeaderMac(fileKey, parsed.macInput);
  if (!timingSafeEqual(expected, parsed.mac)) {
    throw new OspreyError('AGE_HEADER_MAC_MISMATCH');
  }
}
