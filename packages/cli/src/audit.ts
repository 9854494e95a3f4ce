/**
 * `osprey audit verify`: check an export of a tenant's audit log (JSON Lines, one AuditEntry per
 * line, in seq order from entry 1, as `GET /rest/v1/audit?format=jsonl` emits) offline. A broken
 * chain is a refusal (exit 1); a file that is not such an export is bad input (exit 2).
 */
import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { OspreyError, verifyAuditChain, type AuditEntry, type AuditHead } from '@osprey/core';

const FIELDS = new Set(['tenant', 'seq', 'at', 'actor', 'action', 'subject', 'before', 'after', 'prevHash', 'hash']);

/** `--expect-head SEQ:HASH`, a head recorded earlier (e.g. printed by a previous verify). */
export function parseExpectHead(value: string): AuditHead {
  const m = /^(\d{1,15}):([0-9a-fA-F]{64})$/.exec(value.trim());
  if (!m || Number(m[1]) < 1) throw new InvalidArgumentError('must be SEQ:HASH, e.g. 42:<64 hex digits of the hash of entry 42>');
  return { seq: Number(m[1]), hash: m[2]!.toLowerCase() };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What is wrong with one parsed line, or undefined. */
function problem(value: unknown): string | undefined {
  if (!isObject(value)) return 'not a JSON object';
  for (const key of Object.keys(value)) if (!FIELDS.has(key)) return `unknown field "${key}"`;
  for (const key of FIELDS) if (!(key in value)) return `missing field "${key}"`;
  for (const key of ['tenant', 'at', 'actor', 'action', 'prevHash', 'hash']) if (typeof value[key] !== 'string') return `field "${key}" must be a string`;
  if (!Number.isSafeInteger(value.seq) || (value.seq as number) < 1) return 'field "seq" must be a whole number from 1';
  const subject = value.subject;
  if (!isObject(subject) || typeof subject.type !== 'string' || typeof subject.id !== 'string' || Object.keys(subject).length !== 2)
    return 'field "subject" must be { "type": string, "id": string }';
  for (const key of ['before', 'after']) if (value[key] !== null && !isObject(value[key])) return `field "${key}" must be a JSON object or null`;
  return undefined;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Parse an export; blank lines are skipped. Throws AUDIT_ENTRY_INVALID naming the line. */
export function parseAuditExport(text: string, name: string): AuditEntry[] {
  const entries: AuditEntry[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    const where = `${name} line ${i + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (e) {
      throw new OspreyError('AUDIT_ENTRY_INVALID', `${where}: not JSON (${oneLine((e as Error).message)})`, { details: { line: i + 1 } });
    }
    const wrong = problem(value);
    if (wrong) throw new OspreyError('AUDIT_ENTRY_INVALID', `${where}: not an audit entry: ${wrong}`, { details: { line: i + 1 } });
    entries.push(value as AuditEntry);
  }
  return entries;
}

export interface AuditVerifyResult {
  ok: true;
  entries: number;
  head: AuditHead | null;
}

/** Verify an export file; throws AUDIT_CHAIN_BROKEN at the first entry that breaks the chain. */
export function auditVerify(options: { file: string; expectHead?: AuditHead | undefined }): AuditVerifyResult {
  const entries = parseAuditExport(readFileSync(options.file, 'utf8'), options.file);
  const result = verifyAuditChain(entries, options.expectHead ? { expectHead: options.expectHead } : {});
  if (!result.ok) throw new OspreyError('AUDIT_CHAIN_BROKEN', `audit chain broken at entry ${result.seq}: ${result.reason}`, { details: { seq: result.seq } });
  return { ok: true, entries: entries.length, head: result.head ?? null };
}
