import { describe, expect, it } from 'vitest';
import { multipartLayout, planDownload } from './ranges.js';

const etag = '"abc"';
const lm = new Date('2026-01-01T00:00:00Z');

describe('planDownload', () => {
  it.each([
    [{ method: 'GET' }, { kind: 'full' }],
    [{ method: 'HEAD', range: 'bytes=0-9' }, { kind: 'full' }],
    [
      { method: 'GET', range: 'bytes=0-9' },
      { kind: 'single', start: 0, end: 9 },
    ],
    [
      { method: 'GET', range: 'bytes=-10' },
      { kind: 'single', start: 90, end: 99 },
    ],
    [
      { method: 'GET', range: 'bytes=90-200' },
      { kind: 'single', start: 90, end: 99 },
    ],
    [
      { method: 'GET', range: 'bytes=0-9,20-29' },
      {
        kind: 'multi',
        ranges: [
          { start: 0, end: 9 },
          { start: 20, end: 29 },
        ],
      },
    ],
    [
      { method: 'GET', range: 'bytes=0-9,5-29' },
      { kind: 'single', start: 0, end: 29 },
    ],
    [{ method: 'GET', range: 'bytes=100-' }, { kind: 'unsatisfiable' }],
    [{ method: 'GET', range: 'pages=1' }, { kind: 'full' }],
    [{ method: 'GET', range: 'garbage' }, { kind: 'full' }],
    [{ method: 'GET', range: 'bytes=0-9', ifRange: '"other"' }, { kind: 'full' }],
    [
      { method: 'GET', range: 'bytes=0-9', ifRange: etag },
      { kind: 'single', start: 0, end: 9 },
    ],
    [
      { method: 'GET', range: 'bytes=0-9', ifRange: 'Thu, 01 Jan 2026 00:00:00 GMT' },
      { kind: 'single', start: 0, end: 9 },
    ],
    [{ method: 'GET', range: 'bytes=0-9', ifRange: 'Wed, 31 Dec 2025 00:00:00 GMT' }, { kind: 'full' }],
    [{ method: 'GET', ifMatch: '"nope"' }, { kind: 'precondition-failed' }],
    [{ method: 'GET', ifMatch: `"x", ${etag}` }, { kind: 'full' }],
    [{ method: 'GET', ifNoneMatch: etag }, { kind: 'not-modified' }],
  ])('%j', (req, plan) => {
    expect(planDownload(req, 100, etag, lm)).toEqual(plan);
  });

  it('serves a suffix range longer than the file as the whole file (RFC 9110 §14.1.3) — fuzzing finding', () => {
    const plan = (range: string, size = 100) => planDownload({ method: 'GET', range }, size, etag, lm);
    expect(plan('bytes=-500')).toEqual({ kind: 'single', start: 0, end: 99 });
    expect(plan('bytes=-100')).toEqual({ kind: 'single', start: 0, end: 99 });
    expect(plan('bytes= - 101 ')).toEqual({ kind: 'single', start: 0, end: 99 });
    expect(plan('bytes=-99999999999999999999999')).toEqual({ kind: 'single', start: 0, end: 99 });
    expect(plan('bytes=200-300,-500')).toEqual({ kind: 'single', start: 0, end: 99 });
    expect(plan('bytes=-0')).toEqual({ kind: 'unsatisfiable' });
    expect(plan('bytes=-5', 0)).toEqual({ kind: 'unsatisfiable' });
  });

  it('reads the range unit case-insensitively and ignores other units, even unsatisfiable ones — fuzzing finding', () => {
    expect(planDownload({ method: 'GET', range: 'Bytes=0-9' }, 100, etag, lm)).toEqual({ kind: 'single', start: 0, end: 9 });
    expect(planDownload({ method: 'GET', range: 'BYTES=-10' }, 100, etag, lm)).toEqual({ kind: 'single', start: 90, end: 99 });
    // An unsupported unit is ignored (200), never a 416.
    expect(planDownload({ method: 'GET', range: 'items=500-600' }, 100, etag, lm)).toEqual({ kind: 'full' });
    expect(planDownload({ method: 'GET', range: 'Bytes=-0' }, 100, etag, lm)).toEqual({ kind: 'unsatisfiable' });
  });

  it('compares If-Match strongly and If-None-Match weakly (RFC 9110 §13.1.1, §13.1.2)', () => {
    expect(planDownload({ method: 'GET', ifMatch: `W/${etag}` }, 100, etag, lm)).toEqual({ kind: 'precondition-failed' });
    expect(planDownload({ method: 'GET', ifMatch: `W/"x", ${etag}` }, 100, etag, lm)).toEqual({ kind: 'full' });
    expect(planDownload({ method: 'GET', ifNoneMatch: `W/${etag}` }, 100, etag, lm)).toEqual({ kind: 'not-modified' });
  });

  it('refuses an abusive number of ranges', () => {
    const range = 'bytes=' + Array.from({ length: 40 }, (_, i) => `${i * 2}-${i * 2}`).join(',');
    expect(planDownload({ method: 'GET', range }, 1000, etag, lm)).toEqual({ kind: 'unsatisfiable' });
  });

  it('lays out multipart/byteranges with an exact length', () => {
    const { parts, tail, length } = multipartLayout(
      [
        { start: 0, end: 9 },
        { start: 20, end: 29 },
      ],
      100,
      'application/octet-stream',
    );
    const body = Buffer.concat([...parts.flatMap((p) => [p.head, Buffer.alloc(p.end - p.start + 1), Buffer.from('\r\n')]), tail]);
    expect(body.length).toBe(length);
    expect(parts[1]!.head.toString()).toContain('Content-Range: bytes 20-29/100');
  });
});
