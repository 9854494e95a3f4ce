/** Small pure helpers the software pages share: sizes in words and the search box's RSQL. */

/** Bytes as a person reads them (decimal units, as file managers and disks count). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

/** A value quoted for RSQL: inside double quotes a backslash escapes `"`, `\` and a literal `*`. */
export function rsqlQuote(text: string): string {
  return `"${text.replace(/[\\"*]/g, (c) => `\\${c}`)}"`;
}

/**
 * The RSQL of a free-text search over some fields: each field contains the text
 * (`name=="*gw*",version=="*gw*"`), case-insensitively; undefined for an empty search.
 */
export function searchQuery(text: string, fields: readonly string[]): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const inner = rsqlQuote(trimmed).slice(1, -1);
  return fields.map((f) => `${f}=="*${inner}*"`).join(',');
}

export function formatTime(ms: number | undefined): string {
  return ms === undefined ? '—' : new Date(ms).toLocaleString();
}
