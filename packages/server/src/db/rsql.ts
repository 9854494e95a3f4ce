/**
 * hawkBit's list filters: FIQL/RSQL in `q=`, `sort=field:ASC,other:DESC`, `offset=` and `limit=`.
 *
 * `parseRsql` turns `q` into a small tree; `rsqlWhere` turns the tree into a Kysely WHERE
 * expression. Columns come only from the trusted field map handed to `rsqlWhere` (never from
 * the request) and go through `sql.ref`; every value, and every JSON key of a map selector such
 * as `attribute.hw_rev`, is a bound parameter. Nothing from the request is ever concatenated
 * into SQL text.
 *
 * Why this file is over 500 lines: the grammar, its limits and its translation belong together
 * (one reading of the language); the grammar below is quoted where each rule is implemented.
 *
 * Grammar (that of rsql-parser, which hawkBit uses, with the deviations marked *):
 *
 *   q            = or
 *   or           = and { ( "," | " or " ) and }            AND binds tighter than OR
 *   and          = constraint { ( ";" | " and " ) constraint }
 *   constraint   = "(" or ")" | comparison
 *   comparison   = selector operator arguments
 *   selector     = unreserved-str
 *   operator     = "==" | "!=" | "=lt=" | "<" | "=le=" | "<=" | "=gt=" | ">" | "=ge=" | ">="
 *                | "=in=" | "=out="                        (* FIQL names are case-insensitive)
 *   arguments    = "(" value { "," value } ")" | value     (a list only for =in= / =out=)
 *   value        = unreserved-str | '"' ... '"' | "'" ... "'"
 *   reserved     = '"' "'" "(" ")" ";" "," "=" "!" "~" "<" ">" and white space
 *
 * - White space between tokens is ignored. `and` / `or` are keywords only with white space
 *   before them and white space or "(" after them (* case-insensitive).
 * - In quoted strings a backslash escapes any character (`\"`, `\'`, `\\`, `\*`).
 *   (*) In unquoted values a backslash escapes the next character too, so `name==a\*b` and
 *   `name==a\;b` work without quotes; selectors take no escapes.
 * - In `==` and `!=` values an unescaped `*` is a wildcard (SQL LIKE `%`); `\*` is a literal star,
 *   and literal `%`, `_` and `\` are escaped for LIKE. In every other operator `*` is literal.
 * - Case: a value with a wildcard matches case-insensitively (ILIKE), as hawkBit's LIKE does;
 *   without a wildcard `==` is plain, case-sensitive equality, which can use an index.
 *   Enum values are matched case-insensitively (they are stored upper-case).
 * - `!=` and `=out=` are the complements of `==` and `=in=`: they also match rows where the
 *   column is NULL or the map has no such key (as hawkBit does for attributes).
 * - `=in=` / `=out=` also take a single value without parentheses; `==` etc. take no list.
 * - Limits: `q` at most 4096 characters, parentheses nested at most 32 deep, at most 256
 *   comparisons. An empty `q` is a syntax error: callers skip the filter when `q` is absent.
 *   A NUL character or a lone UTF-16 surrogate anywhere in `q` is a syntax error (neither can
 *   be stored as PostgreSQL text).
 * - Numbers are compared exactly whatever the column's width: an integer beyond 32 bits binds
 *   as a bigint, a fraction or an integer beyond 2^53 as numeric, so `weight==3000000000` on an
 *   integer column matches nothing instead of failing in the database. Timestamps must fall in
 *   the years 1 to 9999 (what PostgreSQL reads back from an ISO 8601 string).
 * - Error positions are 0-based character offsets into `q`.
 */
import { sql, type Expression, type ExpressionBuilder, type RawBuilder, type SqlBool } from 'kysely';
import { ServerError } from '../errors.js';

export const RSQL_LIMITS = { maxLength: 4096, maxDepth: 32, maxComparisons: 256 } as const;

/** Operators by their FIQL name; `<`, `<=`, `>`, `>=` are parsed as `=lt=`, `=le=`, `=gt=`, `=ge=`. */
export type RsqlOperator = '==' | '!=' | '=lt=' | '=le=' | '=gt=' | '=ge=' | '=in=' | '=out=';

export interface RsqlValue {
  /** The value with quotes and escapes removed (`\*` and `*` both become `*`). */
  text: string;
  /** For a value with an unescaped `*`: the LIKE pattern (`%` for `*`, `\%`, `\_`, `\\` escaped). */
  pattern: string | null;
  /** Where the value starts in `q`. */
  position: number;
}

export interface RsqlComparison {
  kind: 'comparison';
  selector: string;
  operator: RsqlOperator;
  values: RsqlValue[];
  /** Where the selector starts in `q`. */
  position: number;
}

export type RsqlNode = RsqlComparison | { kind: 'and' | 'or'; children: RsqlNode[] };

export type RsqlFieldType = 'string' | 'number' | 'boolean' | 'timestamp' | 'enum';

export interface RsqlField {
  /** A trusted column reference such as `t.controller_id`. Timestamps are timestamptz columns. */
  column: string;
  type: RsqlFieldType;
  /** For `enum`: the allowed values, upper-case. */
  values?: readonly string[];
}

/** Selectors `prefix<key>`, e.g. `attribute.hw_rev`, comparing the text of a jsonb object's key. */
export interface RsqlMapField {
  prefix: string;
  jsonColumn: string;
}

/**
 * The fields a list can be filtered and sorted by: selector (matched case-insensitively) to
 * field. Map fields are found by their `prefix`; their record key is only a label.
 */
export type RsqlFields = Readonly<Record<string, RsqlField | RsqlMapField>>;

const OPERATORS: Record<string, RsqlOperator> = {
  '==': '==',
  '!=': '!=',
  '=lt=': '=lt=',
  '<': '=lt=',
  '=le=': '=le=',
  '<=': '=le=',
  '=gt=': '=gt=',
  '>': '=gt=',
  '=ge=': '=ge=',
  '>=': '=ge=',
  '=in=': '=in=',
  '=out=': '=out=',
};
const OPERATOR_LIST = '==, !=, =lt= (<), =le= (<=), =gt= (>), =ge= (>=), =in=, =out=';
const MULTI_VALUE: ReadonlySet<RsqlOperator> = new Set(['=in=', '=out=']);
const RESERVED = new Set(['"', "'", '(', ')', ';', ',', '=', '!', '~', '<', '>']);
/** With the u flag a lone surrogate is a code point of category Cs; a proper pair is not. */
const LONE_SURROGATE = /\p{Cs}/u;
const isSpace = (c: string | undefined) => c !== undefined && /\s/.test(c);
const isUnreserved = (c: string | undefined) => c !== undefined && !RESERVED.has(c) && !isSpace(c);

function syntaxError(position: number, message: string): ServerError {
  return new ServerError('RSQL_SYNTAX', `invalid q at position ${position}: ${message}`);
}

/** The LIKE pattern of a value, or null without an unescaped `*`. */
function likePattern(chars: Array<{ c: string; escaped: boolean }>): string | null {
  if (!chars.some((x) => x.c === '*' && !x.escaped)) return null;
  return chars.map(({ c, escaped }) => (c === '*' && !escaped ? '%' : c === '%' || c === '_' || c === '\\' ? `\\${c}` : c)).join('');
}

class Parser {
  private pos = 0;
  private comparisons = 0;

  constructor(private readonly q: string) {}

  parse(): RsqlNode {
    if (this.q.length > RSQL_LIMITS.maxLength) {
      throw new ServerError('RSQL_SYNTAX', `invalid q: ${this.q.length} characters, at most ${RSQL_LIMITS.maxLength} are allowed`);
    }
    // PostgreSQL refuses a NUL in a text parameter (a selector's map key or a value) with an error,
    // and PGlite one with a lone UTF-16 surrogate (which is not Unicode text at all).
    const nul = this.q.indexOf('\u0000');
    if (nul >= 0) throw syntaxError(nul, 'a NUL character is not allowed in q');
    const surrogate = LONE_SURROGATE.exec(this.q);
    if (surrogate) throw syntaxError(surrogate.index, 'q is not valid Unicode (a lone surrogate)');
    const node = this.or(0);
    this.skipSpace();
    if (this.pos < this.q.length) {
      if (this.q[this.pos] === ')') throw syntaxError(this.pos, `")" without a matching "("`);
      throw this.expected('";" or "," (and / or) between conditions, or the end of q');
    }
    return node;
  }

  private found(): string {
    if (this.pos >= this.q.length) return 'found the end of q';
    const rest = this.q.slice(this.pos);
    return `found "${rest.length > 20 ? `${rest.slice(0, 20)}…` : rest}"`;
  }

  private expected(what: string): ServerError {
    return syntaxError(this.pos, `expected ${what}, ${this.found()}`);
  }

  private skipSpace(): void {
    while (isSpace(this.q[this.pos])) this.pos++;
  }

  /** Consume `;`/`,` or the keyword (with white space before it), else leave the position alone. */
  private separator(symbol: string, keyword: string): boolean {
    const start = this.pos;
    this.skipSpace();
    if (this.q[this.pos] === symbol) {
      this.pos++;
      return true;
    }
    if (this.pos > start) {
      const word = this.q.slice(this.pos, this.pos + keyword.length);
      const after = this.q[this.pos + keyword.length];
      if (word.toLowerCase() === keyword && (isSpace(after) || after === '(')) {
        this.pos += keyword.length;
        return true;
      }
    }
    this.pos = start;
    return false;
  }

  private or(depth: number): RsqlNode {
    const children = [this.and(depth)];
    while (this.separator(',', 'or')) children.push(this.and(depth));
    return children.length === 1 ? children[0]! : { kind: 'or', children };
  }

  private and(depth: number): RsqlNode {
    const children = [this.constraint(depth)];
    while (this.separator(';', 'and')) children.push(this.constraint(depth));
    return children.length === 1 ? children[0]! : { kind: 'and', children };
  }

  private constraint(depth: number): RsqlNode {
    this.skipSpace();
    if (this.q[this.pos] !== '(') return this.comparison();
    const open = this.pos;
    if (depth >= RSQL_LIMITS.maxDepth) throw syntaxError(open, `parentheses nested more than ${RSQL_LIMITS.maxDepth} deep`);
    this.pos++;
    const node = this.or(depth + 1);
    this.skipSpace();
    if (this.q[this.pos] !== ')') {
      throw this.expected(`";", "," or ")" to close the "(" at position ${open}`);
    }
    this.pos++;
    return node;
  }

  private comparison(): RsqlComparison {
    const position = this.pos;
    let end = this.pos;
    while (isUnreserved(this.q[end])) end++;
    if (end === this.pos) throw this.expected('a field name or "("');
    const selector = this.q.slice(this.pos, end);
    if (++this.comparisons > RSQL_LIMITS.maxComparisons) {
      throw syntaxError(position, `more than ${RSQL_LIMITS.maxComparisons} comparisons`);
    }
    this.pos = end;
    this.skipSpace();
    const operator = this.operator();
    this.skipSpace();
    const values: RsqlValue[] = [];
    if (this.q[this.pos] === '(') {
      const open = this.pos;
      if (!MULTI_VALUE.has(operator)) {
        throw syntaxError(open, `operator ${operator} takes a single value, not a list; use =in= or =out= for lists`);
      }
      this.pos++;
      for (;;) {
        this.skipSpace();
        values.push(this.value());
        this.skipSpace();
        if (this.q[this.pos] !== ',') break;
        this.pos++;
      }
      if (this.q[this.pos] !== ')') throw this.expected(`"," or ")" to close the list opened at position ${open}`);
      this.pos++;
    } else {
      values.push(this.value());
    }
    return { kind: 'comparison', selector, operator, values, position };
  }

  private operator(): RsqlOperator {
    const start = this.pos;
    const c = this.q[start];
    let token: string | undefined;
    if (c === '=') {
      const fiql = /=[A-Za-z]*=/y;
      fiql.lastIndex = start;
      token = fiql.exec(this.q)?.[0];
    } else if (c === '!' && this.q[start + 1] === '=') {
      token = '!=';
    } else if (c === '<' || c === '>') {
      token = this.q[start + 1] === '=' ? `${c}=` : c;
    }
    if (token === undefined) throw this.expected('an operator such as == or =in=');
    const operator = OPERATORS[token.toLowerCase()];
    if (operator === undefined) throw syntaxError(start, `unknown operator ${token}; the operators are ${OPERATOR_LIST}`);
    this.pos += token.length;
    return operator;
  }

  private value(): RsqlValue {
    const position = this.pos;
    const quote = this.q[position];
    const chars: Array<{ c: string; escaped: boolean }> = [];
    if (quote === '"' || quote === "'") {
      const kind = quote === '"' ? 'double' : 'single';
      let i = position + 1;
      for (;;) {
        const c = this.q[i];
        if (c === quote) break;
        const escaped = c === '\\';
        const char = escaped ? this.q[i + 1] : c;
        if (char === undefined) throw syntaxError(position, `the ${kind}-quoted value starting here is not closed with ${quote}`);
        chars.push({ c: char, escaped });
        i += escaped ? 2 : 1;
      }
      this.pos = i + 1;
    } else {
      let i = position;
      while (isUnreserved(this.q[i])) {
        if (this.q[i] === '\\') {
          const next = this.q[i + 1];
          if (next === undefined) throw syntaxError(i, 'a backslash at the end of q escapes nothing');
          chars.push({ c: next, escaped: true });
          i += 2;
        } else {
          chars.push({ c: this.q[i]!, escaped: false });
          i++;
        }
      }
      if (i === position) throw this.expected('a value (a word, or a "quoted" or \'quoted\' string)');
      this.pos = i;
    }
    return { text: chars.map((x) => x.c).join(''), pattern: likePattern(chars), position };
  }
}

/** Parse hawkBit's `q=` (FIQL/RSQL). Throws `ServerError('RSQL_SYNTAX')` naming the position. */
export function parseRsql(q: string): RsqlNode {
  // PostgreSQL refuses a NUL in any text parameter with an error: refuse it here, as bad input.
  const nul = q.indexOf('\u0000');
  if (nul >= 0) throw syntaxError(nul, 'a NUL character is not allowed in q');
  return new Parser(q).parse();
}

// ---------------------------------------------------------------------------------------------
// Translation to SQL

type Resolved = { name: string; field: RsqlField } | { name: string; map: RsqlMapField; key: string };

const isMap = (f: RsqlField | RsqlMapField): f is RsqlMapField => 'prefix' in f;

function allowedFields(fields: RsqlFields): string {
  return Object.entries(fields)
    .map(([name, f]) => (isMap(f) ? `${f.prefix}<key>` : name))
    .join(', ');
}

function resolveSelector(selector: string, fields: RsqlFields, position?: number): Resolved {
  const lower = selector.toLowerCase();
  for (const [name, f] of Object.entries(fields)) {
    if (!isMap(f) && name.toLowerCase() === lower) return { name, field: f };
  }
  for (const f of Object.values(fields)) {
    if (isMap(f) && lower.startsWith(f.prefix.toLowerCase())) {
      const key = selector.slice(f.prefix.length);
      if (key.length === 0) {
        throw new ServerError('RSQL_INVALID_FIELD', `field ${selector} needs a key, e.g. ${f.prefix}<key>; allowed fields: ${allowedFields(fields)}`);
      }
      return { name: selector, map: f, key };
    }
  }
  const where = position === undefined ? '' : ` at position ${position}`;
  throw new ServerError('RSQL_INVALID_FIELD', `unknown field "${selector}"${where}; allowed fields: ${allowedFields(fields)}`);
}

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;

const invalidValue = (name: string, value: string, expected: string) =>
  new ServerError('BAD_REQUEST', `invalid value "${value}" for field ${name}: expected ${expected}`);

/** The times PostgreSQL's timestamptz accepts as ISO 8601 from toISOString (years 1–9999). */
const TIMESTAMP_MIN_MS = Date.parse('0001-01-01T00:00:00.000Z');
const TIMESTAMP_MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** A bound parameter (or parameter expression) for one value of a field. */
function convert(name: string, field: RsqlField, text: string): unknown {
  switch (field.type) {
    case 'string':
      return text;
    case 'number': {
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(text) || !Number.isFinite(Number(text))) {
        throw invalidValue(name, text, 'a number');
      }
      const n = Number(text);
      // A 32-bit integer binds as is (its type is the column's, so an index serves it); a larger one
      // as bigint and anything else as numeric, so that an integer column compared with 3000000000
      // or 1.5 is a comparison, not an "out of range" or "invalid input syntax" database error.
      if (Number.isSafeInteger(n)) return n >= INT4_MIN && n <= INT4_MAX ? n : sql`cast(${n} as bigint)`;
      return sql`cast(${text} as numeric)`;
    }
    case 'boolean': {
      const lower = text.toLowerCase();
      if (lower !== 'true' && lower !== 'false') throw invalidValue(name, text, 'true or false');
      return lower === 'true';
    }
    case 'timestamp': {
      let ms: number;
      if (/^-?\d+$/.test(text)) ms = Number(text);
      else {
        // ISO 8601; a date or date-time without an offset is UTC (never the server's zone).
        const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i.exec(text);
        ms = m ? Date.parse(`${m[1]}T${m[2] ?? '00:00'}${m[3] ?? 'Z'}`) : Number.NaN;
      }
      const date = new Date(ms);
      // PostgreSQL reads back only years 1–9999 of an ISO string (JavaScript's range is ±275,760
      // years): anything else would be a database error, i.e. a 500, instead of this 400.
      if (Number.isNaN(date.getTime())) throw invalidValue(name, text, 'a timestamp in epoch milliseconds or ISO 8601');
      // toISOString writes years outside 0000–9999 with a sign (+010000-…), which PostgreSQL
      // refuses with an error (as it refuses year 0); no stored time is outside 1–9999 anyway.
      if (ms < TIMESTAMP_MIN_MS || ms > TIMESTAMP_MAX_MS) throw invalidValue(name, text, 'a timestamp between the years 1 and 9999');
      return sql`cast(${date.toISOString()} as timestamptz)`;
    }
    case 'enum': {
      const upper = text.toUpperCase();
      const allowed = field.values;
      if (allowed === undefined) return upper;
      const match = allowed.find((v) => v.toUpperCase() === upper);
      if (match === undefined) throw invalidValue(name, text, `one of ${allowed.join(', ')}`);
      return match;
    }
  }
}

const SQL_OPERATOR = { '=lt=': '<', '=le=': '<=', '=gt=': '>', '=ge=': '>=' } as const;

function comparisonSql(node: RsqlComparison, fields: RsqlFields): RawBuilder<SqlBool> {
  const resolved = resolveSelector(node.selector, fields, node.position);
  let column: RawBuilder<unknown>;
  let field: RsqlField;
  if ('map' in resolved) {
    // The key is a parameter: `"t"."attributes" ->> $1::text`.
    column = sql`(${sql.ref(resolved.map.jsonColumn)} ->> ${resolved.key}::text)`;
    field = { column: resolved.map.jsonColumn, type: 'string' };
  } else {
    column = sql`${sql.ref(resolved.field.column)}`;
    field = resolved.field;
  }
  const { operator, values } = node;
  const first = values[0]!;
  const wildcard = field.type === 'string' && (operator === '==' || operator === '!=') && first.pattern !== null;
  const params = () => values.map((v) => convert(resolved.name, field, v.text));
  switch (operator) {
    case '==':
      return wildcard ? sql<SqlBool>`${column} ilike ${first.pattern}` : sql<SqlBool>`${column} = ${params()[0]}`;
    case '!=':
      return wildcard
        ? sql<SqlBool>`(${column} is null or ${column} not ilike ${first.pattern})`
        : sql<SqlBool>`(${column} is null or ${column} <> ${params()[0]})`;
    case '=in=':
      return sql<SqlBool>`${column} in (${sql.join(params())})`;
    case '=out=':
      return sql<SqlBool>`(${column} is null or ${column} not in (${sql.join(params())}))`;
    default: {
      if (field.type === 'boolean' || field.type === 'enum') {
        throw new ServerError('BAD_REQUEST', `operator ${operator} does not apply to field ${resolved.name} (${field.type}); use ==, !=, =in= or =out=`);
      }
      return sql<SqlBool>`${column} ${sql.raw(SQL_OPERATOR[operator])} ${params()[0]}`;
    }
  }
}

/**
 * The WHERE expression for a parsed `q`, for `query.where(rsqlWhere(node, fields))`. Selectors
 * and values are checked here, before any query runs: an unknown selector throws
 * `ServerError('RSQL_INVALID_FIELD')` listing the allowed fields, a value of the wrong type or an
 * operator that does not apply throws `ServerError('BAD_REQUEST')` naming the field.
 */
// The defaults let `query.where(rsqlWhere(node, fields))` type-check without naming DB and TB:
// the expression is plain SQL over trusted column names, so it fits any query builder.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export function rsqlWhere<DB = any, TB extends keyof DB = any>(node: RsqlNode, fields: RsqlFields): (eb: ExpressionBuilder<DB, TB>) => Expression<SqlBool> {
  type Build = (eb: ExpressionBuilder<DB, TB>) => Expression<SqlBool>;
  const compile = (n: RsqlNode): Build => {
    if (n.kind === 'comparison') {
      const expr = comparisonSql(n, fields);
      return () => expr;
    }
    const children = n.children.map(compile);
    return n.kind === 'and' ? (eb) => eb.and(children.map((c) => c(eb))) : (eb) => eb.or(children.map((c) => c(eb)));
  };
  return compile(node);
}

// ---------------------------------------------------------------------------------------------
// Sorting and paging

/**
 * hawkBit's `sort=name:ASC,lastModifiedAt:DESC`. Fields are the plain (non-map) fields, matched
 * case-insensitively; the direction is ASC or DESC in any case, and ASC when left out.
 */
export function parseSort(sort: string | undefined, fields: RsqlFields): Array<{ column: string; direction: 'asc' | 'desc' }> {
  if (sort === undefined || sort.trim() === '') return [];
  return sort.split(',').map((part) => {
    const [rawName = '', rawDirection, ...extra] = part.split(':').map((s) => s.trim());
    if (rawName === '' || extra.length > 0) {
      throw new ServerError('BAD_REQUEST', `invalid sort "${part.trim()}": expected field:ASC or field:DESC, e.g. sort=name:ASC,createdAt:DESC`);
    }
    const lower = rawName.toLowerCase();
    const entry = Object.entries(fields).find(([name, f]) => !isMap(f) && name.toLowerCase() === lower);
    if (entry === undefined) {
      const sortable = Object.entries(fields)
        .filter(([, f]) => !isMap(f))
        .map(([name]) => name)
        .join(', ');
      throw new ServerError('RSQL_INVALID_FIELD', `unknown sort field "${rawName}"; allowed fields: ${sortable}`);
    }
    const direction = (rawDirection ?? 'asc').toLowerCase();
    if (direction !== 'asc' && direction !== 'desc') {
      throw new ServerError('BAD_REQUEST', `invalid sort direction "${rawDirection}" for field ${rawName}: expected ASC or DESC`);
    }
    return { column: (entry[1] as RsqlField).column, direction };
  });
}

export const PAGING = { defaultLimit: 50, maxLimit: 500 } as const;

/**
 * hawkBit's `offset` and `limit`: offset 0 and limit 50 when absent; a limit above 500 is
 * lowered to 500 (as hawkBit does); anything but a whole number (limit at least 1) is a 400.
 */
export function parsePaging(offset?: string, limit?: string): { offset: number; limit: number } {
  const whole = (name: string, value: string, min: number): number => {
    const n = /^\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min) {
      throw new ServerError('BAD_REQUEST', `invalid ${name} "${value}": expected a whole number of at least ${min}`);
    }
    return n;
  };
  return {
    offset: offset === undefined ? 0 : whole('offset', offset, 0),
    limit: limit === undefined ? PAGING.defaultLimit : Math.min(whole('limit', limit, 1), PAGING.maxLimit),
  };
}
