import { describe, expect, it } from 'vitest';
import { newestFirstRange } from './paging.js';

describe('newest-first audit pages', () => {
  it.each([
    [100, 0, 25, { offset: 75, limit: 25 }],
    [100, 75, 25, { offset: 0, limit: 25 }],
    [90, 75, 25, { offset: 0, limit: 15 }],
    [10, 0, 25, { offset: 0, limit: 10 }],
    [100, 100, 25, undefined],
    [0, 0, 25, undefined],
  ])('total %i, rows from %i, %i a page → %j', (total, offset, limit, range) => {
    expect(newestFirstRange(total, offset, limit)).toEqual(range);
  });
});
