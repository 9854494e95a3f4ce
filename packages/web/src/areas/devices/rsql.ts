/**
 * The simple filter builder's model: rows of field + operator + value, turned into the server's
 * RSQL (packages/server/src/db/rsql.ts) joined with `;` (and). Every value is sent double-quoted
 * with `\` and `"` escaped, so no input can change the query's structure; where the operator
 * means a literal match, `*` is escaped too (an unescaped `*` is the server's wildcard).
 */

export type FieldKind = 'text' | 'status' | 'time' | 'attribute';

export interface FilterField {
  /** The RSQL selector (hawkBit's target field name). */
  selector: string;
  label: string;
  kind: FieldKind;
}

export const FILTER_FIELDS: readonly FilterField[] = [
  { selector: 'controllerId', label: 'Controller id', kind: 'text' },
  { selector: 'name', label: 'Name', kind: 'text' },
  { selector: 'description', label: 'Description', kind: 'text' },
  { selector: 'address', label: 'Address', kind: 'text' },
  { selector: 'updateStatus', label: 'Update status', kind: 'status' },
  { selector: 'lastControllerRequestAt', label: 'Last poll', kind: 'time' },
  { selector: 'createdAt', label: 'Created', kind: 'time' },
  { selector: 'attribute', label: 'Attribute', kind: 'attribute' },
];

export type FilterOperator = 'is' | 'isNot' | 'contains' | 'startsWith' | 'oneOf' | 'before' | 'after';

export const OPERATOR_LABELS: Record<FilterOperator, string> = {
  is: 'is',
  isNot: 'is not',
  contains: 'contains',
  startsWith: 'starts with',
  oneOf: 'is one of',
  before: 'before',
  after: 'after',
};

/** Which operators make sense for a kind of field. */
export const OPERATORS_FOR: Record<FieldKind, readonly FilterOperator[]> = {
  text: ['is', 'isNot', 'contains', 'startsWith', 'oneOf'],
  attribute: ['is', 'isNot', 'contains', 'startsWith'],
  status: ['is', 'isNot', 'oneOf'],
  time: ['before', 'after'],
};

export interface FilterRow {
  field: string;
  operator: FilterOperator;
  value: string;
  /** For `attribute`: the attribute's key (e.g. hw_rev). */
  key?: string;
}

/** A selector's characters: no RSQL reserved character, no white space. */
const SELECTOR_KEY = /^[^\s"'();,=!~<>]+$/;

const escape = (value: string, literalStars: boolean) => value.replace(literalStars ? /[\\"*]/g : /[\\"]/g, '\\$&');
const quoted = (value: string, literalStars = true) => `"${escape(value, literalStars)}"`;

/** A time as the server takes it (ISO 8601 in UTC); a value without a zone is the browser's local time. */
function isoTime(value: string): string | undefined {
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

export type RowResult = { rsql: string } | { error: string } | { empty: true };

/** One row as RSQL, or what is wrong with it, or nothing when it has no value yet. */
export function rowToRsql(row: FilterRow): RowResult {
  const field = FILTER_FIELDS.find((f) => f.selector === row.field);
  if (!field) return { error: `unknown field ${row.field}` };
  if (!OPERATORS_FOR[field.kind].includes(row.operator)) return { error: `“${OPERATOR_LABELS[row.operator]}” does not apply to ${field.label}` };
  let selector = field.selector;
  if (field.kind === 'attribute') {
    const key = (row.key ?? '').trim();
    if (key === '') return row.value.trim() === '' ? { empty: true } : { error: 'give the attribute’s name' };
    if (!SELECTOR_KEY.test(key)) return { error: 'an attribute name cannot contain spaces or any of " \' ( ) ; , = ! ~ < >' };
    selector = `attribute.${key}`;
  }
  const value = field.kind === 'time' ? row.value.trim() : row.value;
  if (value.trim() === '') return { empty: true };
  switch (row.operator) {
    case 'is':
      return { rsql: `${selector}==${quoted(value)}` };
    case 'isNot':
      return { rsql: `${selector}!=${quoted(value)}` };
    case 'contains':
      return { rsql: `${selector}=="*${escape(value, true)}*"` };
    case 'startsWith':
      return { rsql: `${selector}=="${escape(value, true)}*"` };
    case 'oneOf': {
      const values = value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      if (values.length === 0) return { empty: true };
      // =in= has no wildcards: stars need no escape, but escaping them is harmless and uniform.
      return { rsql: `${selector}=in=(${values.map((v) => quoted(v)).join(',')})` };
    }
    case 'before':
    case 'after': {
      const iso = isoTime(value);
      if (!iso) return { error: `“${row.value}” is not a date and time` };
      return { rsql: `${selector}${row.operator === 'before' ? '=lt=' : '=gt='}${iso}` };
    }
  }
}

export interface BuiltFilter {
  /** The rows' conditions joined with `;`, or '' when no row has a value. */
  q: string;
  /** Per row: what is wrong with it, if anything. */
  errors: Array<string | undefined>;
}

export function buildRsql(rows: readonly FilterRow[]): BuiltFilter {
  const parts: string[] = [];
  const errors = rows.map((row) => {
    const result = rowToRsql(row);
    if ('rsql' in result) parts.push(result.rsql);
    return 'error' in result ? result.error : undefined;
  });
  return { q: parts.join(';'), errors };
}

/** A new row for a field: its first operator, no value. */
export function newRow(field = 'controllerId'): FilterRow {
  const kind = FILTER_FIELDS.find((f) => f.selector === field)?.kind ?? 'text';
  return { field, operator: OPERATORS_FOR[kind][0]!, value: '', ...(kind === 'attribute' ? { key: '' } : {}) };
}
