import { bech32 } from 'bech32';
import { OspreyError, type ErrorCode } from '../errors.js';

// age's Bech32 strings are longer than BIP 173's 90-character limit (age spec, "Bech32").
const NO_LIMIT = 1 << 16;

export function bech32Encode(hrp: string, bytes: Uint8Array): string {
  return bech32.encode(hrp, bech32.toWords(bytes), NO_LIMIT);
}

export function bech32Decode(text: string, hrp: string, code: ErrorCode): Buffer {
  // Name the bad value for recipients (public); never echo an identity (secret).
  const what = code === 'AGE_INVALID_RECIPIENT' ? `recipient ${JSON.stringify(text.slice(0, 32))}` : 'identity';
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32.decode(text, NO_LIMIT);
  } catch (cause) {
    throw new OspreyError(code, `${what} is not valid Bech32: ${(cause as Error).message}`, { cause });
  }
  if (decoded.prefix.toLowerCase() !== hrp) {
    throw new OspreyError(code, `${what}: expected a "${hrp}1…" string, got prefix "${decoded.prefix}"`);
  }
  try {
    return Buffer.from(bech32.fromWords(decoded.words));
  } catch (cause) {
    throw new OspreyError(code, `${what}: Bech32 data has invalid padding`, { cause });
  }
}
