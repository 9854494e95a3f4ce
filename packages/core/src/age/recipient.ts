import type { Stanza } from './format.js';

/** Wraps a file key into one or more stanzas for one recipient (age spec, "Recipient stanzas"). */
export interface Recipient {
  wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> | Stanza[];
}

/**
 * Unwraps a file key from a header's stanzas. Returns null when no stanza is for this identity;
 * throws AGE_STANZA_INVALID when a stanza of its own type is malformed (the spec requires
 * rejecting the file rather than skipping it).
 */
export interface Identity {
  unwrapFileKey(stanzas: readonly Stanza[]): Promise<Uint8Array | null>;
}
