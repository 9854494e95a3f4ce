/**
 * The audit log: every management change becomes an append-only entry, hash-chained per tenant.
 * Entry n carries `prevHash` = hash of entry n-1 (GENESIS_HASH for entry 1) and its own `hash`
 * over all its fields, so editing, deleting, inserting or reordering an entry breaks the chain at
 * that entry. A truncated tail or a consistently rewritten history keeps a valid chain; only a
 * head (seq and hash) recorded earlier elsewhere reveals those (`expectHead`).
 *
 * Pure functions: the server stores entries (server/src/domain/audit.ts), `osprey audit verify`
 * checks an export.
 */
import { createHash } from 'node:crypto';
import { canonicalize } from '@tufjs/canonical-json';
import { OspreyError } from './errors.js';

/** A JSON object as it reads back from storage (jsonb): only JSON values, integer numbers. */
export type AuditJson = Record<string, unknown>;

export interface AuditEntry {
  tenant: string;
  /** 1-based, contiguous per tenant. */
  seq: number;
  /** ISO 8601 in UTC with milliseconds, exactly as `Date.prototype.toISOString` writes it. */
  at: string;
  /** Who made the change: a user name, a token name, `system`. */
  actor: string;
  /** What happened, e.g. `target.create`, `tenant.config.update`. */
  action: string;
  subject: { type: string; id: string };
  /** The subject before the change (null when created). */
  before: AuditJson | null;
  /** The subject after the change (null when deleted). */
  after: AuditJson | null;
  /** `hash` of the previous entry of the tenant; GENESIS_HASH for entry 1. */
  prevHash: string;
  /** Hex SHA-256 of the canonical JSON of every other field (auditEntryHash). */
  hash: string;
}

/** What a caller supplies; the chain supplies seq, prevHash and hash. */
export interface AuditFields {
  tenant: string;
  /** A Date or an ISO 8601 string; stored normalised to `toISOString()` (millisecond precision). */
  at: Date | string;
  actor: string;
  action: string;
  subject: { type: string; id: string };
  /** Any JSON-serialisable object; normalised to what JSON (and jsonb) will give back. */
  before: object | null;
  after: object | null;
}

/** The prevHash of entry 1. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * Hex SHA-256 over the canonical JSON (keys sorted, no whitespace, integers only; the TUF
 * dialect of @tufjs/canonical-json) of every field but `hash`.
 *
 * Why canonical JSON: the hash is recomputed later from a copy that went through storage and
 * export. PostgreSQL's jsonb reorders object keys and drops whitespace, an export may be written
 * by another JSON encoder, and floating-point numbers have several spellings (1.0, 1, 1e0). The
 * canonical form depends only on the values, never on key order or formatting, and refuses
 * non-integer numbers, so the same entry always hashes the same wherever it was re-read.
 *
 * Only the known fields are hashed (extra properties of `entry` are ignored); throws a TypeError
 * for a value canonical JSON cannot encode (a non-integer number, undefined).
 */
export function auditEntryHash(entry: Omit<AuditEntry, 'hash'>): string {
  const content = {
    tenant: entry.tenant,
    seq: entry.seq,
    at: entry.at,
    actor: entry.actor,
    action: entry.action,
    subject: { type: entry.subject.type, id: entry.subject.id },
    before: entry.before,
    after: entry.after,
    prevHash: entry.prevHash,
  };
  return createHash('sha256').update(canonicalize(content), 'utf8').digest('hex');
}

function invalid(message: string): OspreyError {
  return new OspreyError('AUDIT_ENTRY_INVALID', message);
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`audit entry ${field} must be a non-empty string`);
  return value;
}

/** Reject what canonical JSON cannot encode, naming where it is. */
function checkIntegers(value: unknown, path: string): void {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw invalid(`audit entry ${path} is ${value}: only whole numbers can be hashed canonically (store it as a string)`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => checkIntegers(v, `${path}[${i}]`));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) checkIntegers(v, `${path}.${k}`);
  }
}

/**
 * The value as it will read back from JSON storage: toJSON applied (Dates become strings),
 * undefined members dropped. It must be a JSON object (not an array) or null.
 */
function normaliseJson(value: object | null, field: string): AuditJson | null {
  if (value === null) return null;
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw new OspreyError('AUDIT_ENTRY_INVALID', `audit entry ${field} cannot be written as JSON: ${(cause as Error).message}`, { cause });
  }
  const json: unknown = text === undefined ? undefined : JSON.parse(text);
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid(`audit entry ${field} must be a JSON object or null`);
  checkIntegers(json, field);
  return json as AuditJson;
}

/** ISO 8601 with milliseconds in UTC: what a timestamptz read back into a Date prints. */
function normaliseTime(at: Date | string): string {
  const date = at instanceof Date ? at : typeof at === 'string' ? new Date(at) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw invalid(`audit entry time ${String(at)} is not a valid date`);
  return date.toISOString();
}

/**
 * The entry that follows `previous` (undefined: the tenant's first entry). Values are normalised
 * to what storage gives back, so that re-reading and re-hashing gives the same hash: `at` to
 * `toISOString()`, before/after through JSON. Throws AUDIT_ENTRY_INVALID for a tenant other than
 * the previous entry's, an empty name, a bad date, or a non-integer number in before/after.
 */
export function nextAuditEntry(previous: AuditEntry | undefined, fields: AuditFields): AuditEntry {
  const tenant = requireText(fields.tenant, 'tenant');
  if (previous && previous.tenant !== tenant) throw invalid(`audit entry for tenant "${tenant}" cannot follow an entry of tenant "${previous.tenant}"`);
  if (previous && (!Number.isSafeInteger(previous.seq) || previous.seq < 1)) throw invalid(`the previous audit entry has an invalid seq ${previous.seq}`);
  const body: Omit<AuditEntry, 'hash'> = {
    tenant,
    seq: previous ? previous.seq + 1 : 1,
    at: normaliseTime(fields.at),
    actor: requireText(fields.actor, 'actor'),
    action: requireText(fields.action, 'action'),
    subject: { type: requireText(fields.subject?.type, 'subject.type'), id: requireText(fields.subject?.id, 'subject.id') },
    before: normaliseJson(fields.before, 'before'),
    after: normaliseJson(fields.after, 'after'),
    prevHash: previous ? previous.hash : GENESIS_HASH,
  };
  return { ...body, hash: auditEntryHash(body) };
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export type AuditVerification = { ok: true; head: AuditHead | undefined } | { ok: false; seq: number; reason: string };

function range(from: number, to: number): string {
  return from === to ? `entry ${from} is` : `entries ${from} to ${to} are`;
}

/**
 * Verify the entries of one tenant, in seq order, from entry 1. Reports the first entry where the
 * chain breaks, with one sentence for a person:
 * - a changed field: the entry's hash does not match its content;
 * - a deleted entry: a gap in seq; an inserted or duplicated one: a repeated seq or a prevHash
 *   that does not match the hash of the entry before;
 * - reordering: an entry that comes before one with a lower seq;
 * - mixed tenants: an entry of another tenant than entry 1's.
 * With `expectHead` (a head recorded earlier, e.g. in an earlier export or a ticket), also a
 * truncated tail (the log ends before that entry) and a rewritten history (that entry now has
 * another hash). Without it, deleting the last entries or recomputing every hash goes unseen.
 */
export function verifyAuditChain(entries: readonly AuditEntry[], options: { expectHead?: AuditHead; after?: AuditEntry } = {}): AuditVerification {
  const fail = (seq: number, reason: string): AuditVerification => ({ ok: false, seq, reason });
  // `after`: the last entry of the slice verified before (a long log is verified slice by slice,
  // never held in memory at once); the chain continues from it. A recorded head is checked
  // against the whole log, which a slice is not.
  if (options.after && options.expectHead) throw invalid('a recorded head is checked over the whole log, not a slice after an entry');
  const tenant = options.after?.tenant ?? entries[0]?.tenant;
  const seen = new Set<number>();
  let previous: AuditEntry | undefined = options.after;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    if (entry.tenant !== tenant)
      return fail(entry.seq, `entry ${entry.seq} belongs to tenant "${entry.tenant}", not "${tenant}" (entries of different tenants are mixed)`);
    const expected = previous ? previous.seq + 1 : 1;
    if (entry.seq !== expected) {
      const after = previous ? `entry ${entry.seq} follows entry ${previous.seq}` : `the log starts at entry ${entry.seq}`;
      if (seen.has(entry.seq)) return fail(entry.seq, `entry ${entry.seq} appears twice (an entry was duplicated or inserted)`);
      if (entries.some((e, j) => j > i && e.seq === expected))
        return fail(entry.seq, `the entries are out of order (entry ${entry.seq} comes before entry ${expected})`);
      if (Number.isSafeInteger(entry.seq) && entry.seq > expected) return fail(expected, `${range(expected, entry.seq - 1)} missing (${after})`);
      return fail(entry.seq, `entry ${entry.seq} is out of place (${after}, expected entry ${expected})`);
    }
    seen.add(entry.seq);
    if (entry.prevHash !== (previous ? previous.hash : GENESIS_HASH)) {
      return fail(
        entry.seq,
        previous
          ? `entry ${entry.seq} does not link to entry ${previous.seq} (prevHash mismatch: entry ${previous.seq} was rewritten, or entry ${entry.seq} was inserted or changed)`
          : `entry 1 does not start the chain (its prevHash is not the genesis hash)`,
      );
    }
    let hash: string;
    try {
      hash = auditEntryHash(entry);
    } catch (e) {
      return fail(entry.seq, `entry ${entry.seq} was changed after it was written (it holds a value Osprey never writes: ${(e as Error).message})`);
    }
    if (hash !== entry.hash) return fail(entry.seq, `entry ${entry.seq} was changed after it was written (hash mismatch)`);
    previous = entry;
  }
  const head = previous ? { seq: previous.seq, hash: previous.hash } : undefined;
  const expect = options.expectHead;
  if (expect) {
    if (!Number.isSafeInteger(expect.seq) || expect.seq < 1) throw invalid(`the expected head seq ${expect.seq} is not a whole number from 1`);
    if (!head || head.seq < expect.seq) {
      const from = head ? head.seq + 1 : 1;
      const ends = head ? `the log ends at entry ${head.seq}` : 'the log is empty';
      return fail(from, `${range(from, expect.seq)} missing (${ends} but entry ${expect.seq} was recorded earlier: the log was truncated)`);
    }
    // The chain is contiguous from entry 1 here, so entry n is at index n - 1.
    const recorded = entries[expect.seq - 1]!;
    if (recorded.hash !== expect.hash.toLowerCase())
      return fail(expect.seq, `entry ${expect.seq} is not the one recorded earlier (its hash differs from the recorded head: the history was rewritten)`);
  }
  return { ok: true, head };
}
