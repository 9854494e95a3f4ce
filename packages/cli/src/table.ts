/**
 * Output of list and show commands: aligned columns for a person, the server's JSON with --json
 * for a script. Hand-written (a dozen lines) rather than cli-table3: plain space-aligned columns
 * stay greppable and cut-able, which box-drawn cells are not.
 */

export interface Column<T> {
  header: string;
  value: (row: T) => unknown;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value).replace(/\s+/g, ' ');
}

export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = [columns.map((c) => c.header), ...rows.map((r) => columns.map((c) => cell(c.value(r))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map((line) => line.map((v, i) => (i === line.length - 1 ? v : v.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** One record as `field  value` lines (nested values as JSON). */
export function formatRecord(record: Record<string, unknown>): string {
  const entries = Object.entries(record).filter(([k, v]) => k !== '_links' && v !== undefined);
  return formatTable(entries, [
    { header: 'FIELD', value: ([k]) => k },
    { header: 'VALUE', value: ([, v]) => v },
  ]);
}
