/**
 * Delta updates (#15): a VCDIFF (RFC 3284) codec over bytes. The decoder streams (device side,
 * memory bounded by one window); the encoder holds source and target (build machine).
 */
export { decodeDelta, decodeDeltaToBuffer, bufferSource, DEFAULT_DECODE_LIMITS } from './decode.js';
export type { SourceReader, DecodeLimits, DecodeOptions, DeltaCheckpoint, DecodedWindow } from './decode.js';
export { encodeDelta } from './encode.js';
export type { EncodeOptions } from './encode.js';
export { VCDIFF_MAGIC, adler32 } from './format.js';
