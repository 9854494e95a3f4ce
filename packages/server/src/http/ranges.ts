/**
 * What to send for a download request, decided from its conditional and Range headers
 * (RFC 9110 §13 and §14; hawkBit §1.8). Pure: the route turns the plan into a response.
 */
import rangeParser from 'range-parser';

export type DownloadPlan =
  | { kind: 'full' }
  | { kind: 'not-modified' }
  | { kind: 'precondition-failed' }
  | { kind: 'unsatisfiable' }
  | { kind: 'single'; start: number; end: number }
  | { kind: 'multi'; ranges: Array<{ start: number; end: number }> };

export interface DownloadRequest {
  method: string;
  range?: string | undefined;
  ifRange?: string | undefined;
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

const MAX_RANGES = 32;

/** The entity tags of an If-Match / If-None-Match list; `weak` drops the W/ prefix (weak comparison). */
function etagList(header: string, weak: boolean): string[] {
  return header.split(',').map((s) => (weak ? s.trim().replace(/^W\//, '') : s.trim()));
}

/**
 * The Range header as range-parser should see it: the unit matched case-insensitively (RFC 9110
 * §14.1), and a suffix range longer than the file read as the whole file (§14.1.3: "the entire
 * representation is used"), which range-parser would drop as unsatisfiable. Undefined for a unit
 * other than bytes: that Range is ignored.
 */
function byteRanges(range: string, size: number): string | undefined {
  const eq = range.indexOf('=');
  if (eq < 0 || range.slice(0, eq).toLowerCase() !== 'bytes') return undefined;
  const specs = range
    .slice(eq + 1)
    .split(',')
    .map((spec) => {
      const suffix = /^\s*-\s*(\d+)\s*$/.exec(spec);
      return suffix && size > 0 && Number(suffix[1]) > size ? '0-' : spec;
    });
  return `bytes=${specs.join(',')}`;
}

export function planDownload(req: DownloadRequest, size: number, etag: string, lastModified: Date): DownloadPlan {
  // If-Match compares strongly (RFC 9110 §13.1.1), If-None-Match weakly (§13.1.2).
  if (req.ifMatch !== undefined && req.ifMatch.trim() !== '*' && !etagList(req.ifMatch, false).includes(etag)) return { kind: 'precondition-failed' };
  if (req.ifNoneMatch !== undefined && (req.ifNoneMatch.trim() === '*' || etagList(req.ifNoneMatch, true).includes(etag))) return { kind: 'not-modified' };
  if (req.method !== 'GET' || req.range === undefined) return { kind: 'full' };
  if (req.ifRange !== undefined) {
    const value = req.ifRange.trim();
    const matches =
      value.startsWith('"') || value.startsWith('W/')
        ? value === etag
        : !Number.isNaN(Date.parse(value)) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(Date.parse(value) / 1000);
    if (!matches) return { kind: 'full' }; // the representation changed: send all of it
  }
  const range = byteRanges(req.range, size);
  if (range === undefined) return { kind: 'full' }; // another range unit is ignored (RFC 9110 §14.2)
  const parsed = rangeParser(size, range, { combine: true });
  if (parsed === -2) return { kind: 'full' }; // malformed Range is ignored (RFC 9110 §14.2)
  if (parsed === -1) return { kind: 'unsatisfiable' };
  if (parsed.length > MAX_RANGES) return { kind: 'unsatisfiable' };
  if (parsed.length === 1) return { kind: 'single', start: parsed[0]!.start, end: parsed[0]!.end };
  return { kind: 'multi', ranges: parsed.map((r) => ({ start: r.start, end: r.end })) };
}

export const MULTIPART_BOUNDARY = 'THIS_STRING_SEPARATES_MULTIPART';

/** The part headers of a multipart/byteranges body, and its total length. */
export function multipartLayout(ranges: Array<{ start: number; end: number }>, size: number, contentType: string) {
  const parts = ranges.map((r) => ({
    ...r,
    head: Buffer.from(`--${MULTIPART_BOUNDARY}\r\nContent-Type: ${contentType}\r\nContent-Range: bytes ${r.start}-${r.end}/${size}\r\n\r\n`),
  }));
  const tail = Buffer.from(`--${MULTIPART_BOUNDARY}--\r\n`);
  const length = parts.reduce((n, p) => n + p.head.length + (p.end - p.start + 1) + 2, 0) + tail.length;
  return { parts, tail, length };
}
