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
