import { bech32 } from 'bech32';
import { OspreyError, type ErrorCode } from '../errors.js';

// age's Bech32 strings are longer than BIP 173's 90-character limit (age spec, "Bech32").
const NO_LIMIT = 1 << 16;

export function bech32Encode(hrp: string, bytes: Uint8Array): string {
  return bech32.encode(hrp, bech32.toWords(bytes), NO_LIMIT);
}

export function bech32Decode(text: string, hrp: string, code: ErrorCode): Buffer {
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32.decode(text, NO_LIMIT);
  } catch (cause) {
    throw new OspreyError(code, `not a valid Bech32 string: ${(cause as Error).message}`, { cause });
  }
  if (decoded.prefix.toLowerCase() !== hrp) {
    throw new OspreyError(code, `expected a "${hrp}1…" string, got prefix "${decoded.prefix}"`);
  }
  try {
    return Buffer.from(bech32.fromWords(decoded.words));
  } catch (cause) {
    throw new OspreyError(code, 'Bech32 data has invalid padding', { cause });
  }
}
