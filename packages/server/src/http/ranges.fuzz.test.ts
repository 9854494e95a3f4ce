/**
 * Fuzzing the download planner with the headers a client controls (Range, If-Range, If-Match,
 * If-None-Match) over files of any size: it never throws, never plans a byte outside [0, size),
 * and a Range header of byte ranges is served exactly as RFC 9110 §14 reads it — the bytes asked
 * for and no others, or 416, or (for a malformed header) the whole file.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParams } from '../../../../testkit/fuzz.js';
import { MULTIPART_BOUNDARY, multipartLayout, planDownload, type DownloadPlan, type DownloadRequest } from './ranges.js';

const ETAG = '"5f3e"';
const LAST_MODIFIED = new Date('2026-01-01T00:00:00Z');
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

const size = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: MAX_SAFE }) },
  { weight: 1, arbitrary: fc.constantFrom(0, 1, 2, 2 ** 32, 2 ** 53 - 1) },
);

/** A byte position as a client may write it: small, near the size, huge, with leading zeros. */
const position = (sizeHint: number) =>
  fc.oneof(
    fc.integer({ min: 0, max: 400 }).map(String),
    fc.integer({ min: -2, max: 2 }).map((d) => String(Math.max(0, sizeHint + d))),
    fc.bigInt({ min: 0n, max: 2n ** 80n }).map(String),
    fc.constantFrom('0', '00', '007', '9007199254740991', '9007199254740993', '1e3', '-1', '+1', ' 1', '', 'x'),
  );

/** A header value a client may send: bytes ranges near the grammar, other units, junk. */
const rangeHeader = (sizeHint: number) =>
  fc.oneof(
    { weight: 4, arbitrary: byteRanges(sizeHint).map((r) => r.header) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(...'bytes=-,0123456789 \t'.split('')), maxLength: 30 }) },
  );

/** A bytes Range header built from specs, with the unit and separators varied. */
function byteRanges(sizeHint: number) {
  const spec = fc.record({ first: position(sizeHint), last: fc.oneof(position(sizeHint), fc.constant('')), suffix: fc.boolean() });
  return fc
    .record({
      unit: fc.oneof({ weight: 6, arbitrary: fc.constant('bytes') }, { weight: 1, arbitrary: fc.constantFrom('Bytes', 'BYTES', 'items', 'bytes ', '') }),
      specs: fc.array(spec, { minLength: 1, maxLength: 6 }),
      separators: fc.array(fc.constantFrom(',', ', ', ' ,', ',,', ',\t'), { minLength: 6, maxLength: 6 }),
    })
    .map(({ unit, specs, separators }) => ({
      unit,
      specs,
      header: `${unit}=${specs.map((s, i) => (i === 0 ? '' : separators[i]!) + (s.suffix ? `-${s.last}` : `${s.first}-${s.last}`)).join('')}`,
    }));
}

/** Every planned range is a non-empty run of whole bytes inside the file; several never overlap or touch. */
function expectInside(plan: DownloadPlan, fileSize: number): Array<{ start: number; end: number }> {
  const ranges = plan.kind === 'single' ? [plan] : plan.kind === 'multi' ? plan.ranges : [];
  for (const r of ranges) {
    expect(Number.isSafeInteger(r.start) && Number.isSafeInteger(r.end)).toBe(true);
    expect(r.start).toBeGreaterThanOrEqual(0);
    expect(r.end).toBeGreaterThanOrEqual(r.start);
    expect(r.end).toBeLessThan(fileSize);
  }
  if (plan.kind === 'multi') {
    expect(plan.ranges.length).toBeGreaterThanOrEqual(2);
    expect(plan.ranges.length).toBeLessThanOrEqual(32);
    const sorted = [...plan.ranges].sort((a, b) => a.start - b.start);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.start).toBeGreaterThan(sorted[i - 1]!.end + 1);
  }
  return ranges;
}

/**
 * RFC 9110 §14.1.2 for a `bytes` header, as an independent model: the ranges asked for, clipped to
 * the file (a suffix longer than the file is the whole file), or 'malformed' when the header is to
 * be ignored, or [] when nothing asked for is inside the file (416).
 */
function expectedRanges(header: string, fileSize: number): Array<{ start: number; end: number }> | 'malformed' {
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).toLowerCase() !== 'bytes') return 'malformed'; // units are case-insensitive (§14.1)
  const out: Array<{ start: number; end: number }> = [];
  for (const raw of header.slice(eq + 1).split(',')) {
    const element = raw.trim();
    const dash = element.indexOf('-');
    if (dash < 0) return 'malformed';
    const first = element.slice(0, dash).trim();
    const last = element.slice(dash + 1).trim();
    const digits = (s: string) => /^\d+$/.test(s);
    if (first === '') {
      if (!digits(last)) return 'malformed';
      const length = BigInt(last);
      if (length === 0n || fileSize === 0) continue; // an empty suffix, or nothing to take it from
      out.push({ start: length >= BigInt(fileSize) ? 0 : fileSize - Number(length), end: fileSize - 1 });
      continue;
    }
    if (!digits(first) || (last !== '' && !digits(last))) return 'malformed';
    const start = BigInt(first);
    const end = last === '' ? BigInt(fileSize) - 1n : BigInt(last) < BigInt(fileSize) ? BigInt(last) : BigInt(fileSize) - 1n;
    if (start > end) continue; // not inside the file, or last before first
    out.push({ start: Number(start), end: Number(end) });
  }
  return out;
}

/** The union of ranges as sorted, merged intervals (bytes as sets, without enumerating them). */
function union(ranges: ReadonlyArray<{ start: number; end: number }>): Array<[number, number]> {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: Array<[number, number]> = [];
  for (const r of sorted) {
    const top = merged[merged.length - 1];
    if (top && r.start <= top[1] + 1) top[1] = Math.max(top[1], r.end);
    else merged.push([r.start, r.end]);
  }
  return merged;
}

/** The multipart/byteranges body the DDI route sends for a plan (http/ddi.ts), from a file in memory. */
function multipartBody(file: Buffer, ranges: Array<{ start: number; end: number }>): { body: Buffer; announced: number } {
  const { parts, tail, length } = multipartLayout(ranges, file.length, 'application/octet-stream');
  const body = Buffer.concat([...parts.flatMap((p) => [p.head, file.subarray(p.start, p.end + 1), Buffer.from('\r\n')]), tail]);
  return { body, announced: length };
}

/** Read a multipart/byteranges body back, independently of how it was written. */
function readMultipart(body: Buffer): Array<{ start: number; end: number; size: number; data: Buffer }> {
  const delimiter = Buffer.from(`--${MULTIPART_BOUNDARY}`);
  const parts: Array<{ start: number; end: number; size: number; data: Buffer }> = [];
  let at = body.indexOf(delimiter);
  expect(at).toBe(0);
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 4).toString('latin1') === '--\r\n') {
      expect(at + 4).toBe(body.length);
      return parts;
    }
    const headEnd = body.indexOf('\r\n\r\n', at, 'latin1');
    const head = body.subarray(at, headEnd).toString('latin1');
    const m = /\r\nContent-Range: bytes (\d+)-(\d+)\/(\d+)$/m.exec(head);
    expect(m).not.toBeNull();
    const [start, end, size] = [Number(m![1]), Number(m![2]), Number(m![3])];
    const dataStart = headEnd + 4;
    const data = body.subarray(dataStart, dataStart + (end - start + 1));
    parts.push({ start, end, size, data });
    at = dataStart + data.length;
    expect(body.subarray(at, at + 2).toString('latin1')).toBe('\r\n');
    at += 2;
    expect(body.indexOf(delimiter, at)).toBe(at);
  }
}

describe('fuzz: download planning (Range, If-Range, If-Match, If-None-Match)', () => {
  it('fuzz: any headers and size give a plan inside the file, or 304/412/416/full, and no exception', () => {
    const header = fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.constantFrom(ETAG, `W/${ETAG}`, '*', ` ${ETAG} `, '"other", "5f3e"')));
    const date = fc.option(
      fc.oneof(
        fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'garbage' : d.toUTCString())),
        fc.string(),
      ),
    );
    fc.assert(
      fc.property(
        size.chain((s) =>
          fc.tuple(
            fc.constant(s),
            fc.record({
              method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'get'),
              range: fc.option(rangeHeader(s), { nil: undefined }),
              ifRange: fc.option(
                fc.oneof(
                  header.map((h) => h ?? ETAG),
                  date.map((d) => d ?? ''),
                ),
                { nil: undefined },
              ),
              ifMatch: fc.option(
                header.map((h) => h ?? '*'),
                { nil: undefined },
              ),
              ifNoneMatch: fc.option(
                header.map((h) => h ?? '"x"'),
                { nil: undefined },
              ),
            }),
          ),
        ),
        ([fileSize, req]) => {
          const plan = planDownload(req as DownloadRequest, fileSize, ETAG, LAST_MODIFIED);
          expect(['full', 'not-modified', 'precondition-failed', 'unsatisfiable', 'single', 'multi']).toContain(plan.kind);
          expectInside(plan, fileSize);
          // RFC 9110 §13.2.2: If-Match first (strong comparison), then If-None-Match (weak).
          const tags = (h: string, weak: boolean) => h.split(',').map((t) => (weak ? t.trim().replace(/^W\//, '') : t.trim()));
          const ifMatchFails = req.ifMatch !== undefined && req.ifMatch.trim() !== '*' && !tags(req.ifMatch, false).includes(ETAG);
          const ifNoneMatchHolds = req.ifNoneMatch !== undefined && (req.ifNoneMatch.trim() === '*' || tags(req.ifNoneMatch, true).includes(ETAG));
          expect(plan.kind === 'precondition-failed').toBe(ifMatchFails);
          expect(plan.kind === 'not-modified').toBe(!ifMatchFails && ifNoneMatchHolds);
          if (plan.kind === 'single' || plan.kind === 'multi' || plan.kind === 'unsatisfiable') {
            expect(req.method).toBe('GET');
            expect(req.range).toBeDefined();
          }
        },
      ),
      fuzzParams(3000),
    );
  });

  it('fuzz: a bytes Range is served as RFC 9110 reads it: exactly the bytes asked for, 416, or the whole file', () => {
    fc.assert(
      fc.property(
        size.chain((s) => fc.tuple(fc.constant(s), byteRanges(s))),
        ([fileSize, { header }]) => {
          const plan = planDownload({ method: 'GET', range: header }, fileSize, ETAG, LAST_MODIFIED);
          const ranges = expectInside(plan, fileSize);
          const expected = expectedRanges(header, fileSize);
          if (expected === 'malformed') {
            expect(plan).toEqual({ kind: 'full' });
          } else if (expected.length === 0) {
            expect(plan).toEqual({ kind: 'unsatisfiable' });
          } else if (union(expected).length > 32) {
            expect(plan).toEqual({ kind: 'unsatisfiable' }); // refused as abuse
          } else {
            // Every byte asked for is sent, and only those.
            expect(['single', 'multi']).toContain(plan.kind);
            expect(union(ranges)).toEqual(union(expected));
          }
        },
      ),
      fuzzParams(3000),
    );
  });

  it('fuzz: a multipart/byteranges body announces its exact length and carries exactly the planned bytes', () => {
    // Ranges inside a small file, so that most headers plan several parts.
    const inside = fc.integer({ min: 2, max: 2000 }).chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc
          .array(fc.tuple(fc.integer({ min: 0, max: s + 2 }), fc.option(fc.integer({ min: 0, max: s + 2 })), fc.boolean()), { minLength: 2, maxLength: 8 })
          .map((specs) => `bytes=${specs.map(([a, b, suffix]) => (suffix ? `-${b ?? a}` : `${a}-${b ?? ''}`)).join(',')}`),
      ),
    );
    fc.assert(
      fc.property(inside, ([fileSize, header]) => {
        const plan = planDownload({ method: 'GET', range: header }, fileSize, ETAG, LAST_MODIFIED);
        fc.pre(plan.kind === 'multi');
        if (plan.kind !== 'multi') return;
        const file = randomBytes(fileSize);
        const { body, announced } = multipartBody(file, plan.ranges);
        expect(body.length).toBe(announced);
        const parts = readMultipart(body);
        expect(parts.map(({ start, end }) => ({ start, end }))).toEqual(plan.ranges);
        for (const p of parts) {
          expect(p.size).toBe(fileSize);
          expect(p.data.equals(file.subarray(p.start, p.end + 1))).toBe(true);
        }
      }),
      fuzzParams(500, { maxSkipsPerRun: 100 }),
    );
  });
});
