/**
 * The audit log pages by seq from the first entry (offset = entries to skip from entry 1). The
 * console shows the newest first, so a page from the end is turned into the range from the
 * start that holds it: entries are numbered 1…total without gaps.
 */
export interface SeqRange {
  offset: number;
  limit: number;
}

/** The ascending range holding rows `offset … offset+limit-1` of the newest-first order; undefined past the end. */
export function newestFirstRange(total: number, offset: number, limit: number): SeqRange | undefined {
  const end = total - offset;
  if (end <= 0 || limit <= 0) return undefined;
  const start = Math.max(0, end - limit);
  return { offset: start, limit: end - start };
}
