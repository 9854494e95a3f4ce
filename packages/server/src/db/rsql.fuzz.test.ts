/**
 * Fuzzing hawkBit's list parameters (`q=`, `sort=`, `offset=`, `limit=`), which come straight from
 * the request: whatever the string, the parsers answer with a tree or a 400-class ServerError, and
 * whatever they accept compiles to SQL that PostgreSQL (PGlite) runs without an error. A database
 * error would be a 500 to the caller; every bad value must be refused before it gets there.
 */
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { Kysely, sql, type Generated } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzParams, fuzzTimeout } from '../../../../testkit/fuzz.js';
import { ServerError } from '../errors.js';
import { PGliteDialect } from './pglite-dialect.js';
import { PAGING, parsePaging, parseRsql, parseSort, RSQL_LIMITS, rsqlWhere, type RsqlFields, type RsqlNode, type RsqlOperator } from './rsql.js';

// --- the table and its fields: one column of every kind a field map names -------------------------

interface Row {
  id: Generated<number>;
  name: string;
  description: string | null;
  status: string;
  weight: number | null; // integer (int4), as actions.weight and action_status.code
  size: number | null; // bigint
  active: boolean;
  created_at: Date | string;
  attributes: Record<string, string> | string;
}

const STATUSES = ['ERROR', 'IN_SYNC', 'PENDING', 'REGISTERED', 'UNKNOWN'] as const;
const FIELDS: RsqlFields = {
  id: { column: 't.id', type: 'number' },
  name: { column: 't.name', type: 'string' },
  description: { column: 't.description', type: 'string' },
  status: { column: 't.status', type: 'enum', values: STATUSES },
  weight: { column: 't.weight', type: 'number' },
  size: { column: 't.size', type: 'number' },
  active: { column: 't.active', type: 'boolean' },
  createdAt: { column: 't.created_at', type: 'timestamp' },
  attribute: { prefix: 'attribute.', jsonColumn: 't.attributes' },
};
const PLAIN_FIELDS = Object.entries(FIELDS).flatMap(([name, f]) => ('prefix' in f ? [] : [{ name, ...f }]));

const ROWS = [
  ['Device One', null, 'PENDING', 10, 1, true, '2024-01-01T00:00:00Z', { hw_rev: '1.0', region: 'eu' }],
  ['device two', 'spare', 'ERROR', 2147483647, 9007199254740991, false, '0001-01-01T00:00:00Z', { hw_rev: '2.0' }],
  ['Gateway 50%_off', 'roof', 'IN_SYNC', null, null, true, '9999-12-31T23:59:59.999Z', { region: 'us', "x'); drop table t; --": '1' }],
  ['a*b\\c', '', 'UNKNOWN', -2147483648, -9007199254740991, false, '1970-01-01T00:00:00Z', {}],
  ['it\'s "quoted"', 'ünïcödé ☃ 😀', 'REGISTERED', 0, 0, true, '2038-01-19T03:14:08Z', { Hw_Rev: '1.0', '😀': 'smile', '': 'empty key' }],
] as const;

interface Db {
  t: Row;
}

let lite: PGlite;
let db: Kysely<Db>;
let allIds: number[];

beforeAll(async () => {
  lite = new PGlite();
  db = new Kysely<Db>({ dialect: new PGliteDialect(lite) });
  await db.schema
    .createTable('t')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('weight', 'integer')
    .addColumn('size', 'bigint')
    .addColumn('active', 'boolean', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull())
    .addColumn('attributes', 'jsonb', (c) => c.notNull())
    .execute();
  await db
    .insertInto('t')
    .values(
      ROWS.map(([name, description, status, weight, size, active, created_at, attributes]) => ({
        name,
        description,
        status,
        weight,
        size,
        active,
        created_at,
        attributes: JSON.stringify(attributes),
      })),
    )
    .execute();
  allIds = (await db.selectFrom('t').select('t.id').orderBy('t.id').execute()).map((r) => Number(r.id));
}, 60_000);

afterAll(async () => {
  await db?.destroy();
});

/** The ids of the rows a parsed filter selects; a database error fails the property. */
async function select(node: RsqlNode): Promise<number[]> {
  const rows = await db.selectFrom('t').select('t.id').where(rsqlWhere(node, FIELDS)).orderBy('t.id').execute();
  return rows.map((r) => Number(r.id));
}

/** Run `fn`; a ServerError is returned (and must be a 400-class one), anything else is rethrown. */
function refusal(fn: () => unknown): ServerError | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    if (!(e instanceof ServerError)) throw e;
    expect(e.status).toBeGreaterThanOrEqual(400);
    expect(e.status).toBeLessThan(500);
    return e;
  }
}

// --- a generator for the grammar of rsql.ts's header comment -------------------------------------

const RESERVED = new Set(['"', "'", '(', ')', ';', ',', '=', '!', '~', '<', '>']);
const needsEscape = (c: string) => RESERVED.has(c) || /\s/.test(c) || c === '\\';

/** A value as the parser sees it: literal characters, and `*` wildcards. */
type Token = { star: true } | { star: false; c: string };

/** Characters worth putting in values and selectors: RSQL's own, LIKE's, SQL's, Unicode, controls. */
const SPECIAL = [...RESERVED, ' ', '\t', '\n', '\u00a0', '\u2028', '\\', '*', '%', '_', '.', '-', ':', '+', '\u0001', 'é', '☃', '😀'];
/** What PostgreSQL text cannot hold: NUL and lone surrogates (rare, or most q would be refused for them). */
const UNSTORABLE = ['\u0000', '\ud800', '\udc00'];
const anyChar = fc.oneof(
  { weight: 100, arbitrary: fc.constantFrom(...'abcxyzABC019'.split('')) },
  { weight: 60, arbitrary: fc.constantFrom(...SPECIAL) },
  { weight: 15, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(...UNSTORABLE) },
);

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength: min, maxLength: max });
const sign = fc.constantFrom('', '', '-', '+');
/** Numbers at and beyond every boundary: int4, int8, doubles, exponents, many digits. */
const numberText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  fc.double({ noNaN: true }).map(String),
  fc.constantFrom('2147483647', '2147483648', '-2147483648', '-2147483649', '9007199254740991', '9007199254740993', '9223372036854775808'),
  fc.constantFrom('1e308', '1e309', '1e-400', '1e-16384', '-0', '+1', '.5', '5.', '1E5', '0x10', 'NaN', 'Infinity', '1_000'),
  fc
    .tuple(sign, digits(0, 30), fc.option(digits(0, 30)), fc.option(fc.tuple(fc.constantFrom('e', 'E'), sign, digits(1, 6))))
    .map(([s, int, frac, exp]) => `${s}${int}${frac === null ? '' : `.${frac}`}${exp === null ? '' : exp.join('')}`),
  fc.tuple(digits(1, 1500), fc.integer({ min: -20_000, max: 20_000 })).map(([d, e]) => `0.${d}e${e}`),
);
const pad = (n: number, width: number) => String(n).padStart(width, '0');
/** Epoch milliseconds and ISO 8601 dates, valid and not, inside and outside what PostgreSQL stores. */
const timestampText = fc.oneof(
  fc.integer({ min: -9e15, max: 9e15 }).map(String),
  fc.constantFrom('8640000000000000', '-8640000000000000', '-62135596800000', '-62135596800001', '253402300799999', '253402300800000'),
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.option(
        fc.tuple(fc.constantFrom('T', ' ', 't'), fc.integer({ min: 0, max: 25 }), fc.integer({ min: 0, max: 61 }), fc.option(fc.integer({ min: 0, max: 61 }))),
      ),
      fc.option(fc.constantFrom('Z', 'z', '+01:00', '-14:00', '+1400', '+99:99', '+00')),
    )
    .map(
      ([y, mo, d, time, zone]) =>
        `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}${time === null ? '' : `${time[0]}${pad(time[1], 2)}:${pad(time[2], 2)}${time[3] === null ? '' : `:${pad(time[3], 2)}`}`}${zone ?? ''}`,
    ),
);
const booleanText = fc.constantFrom('true', 'FALSE', 'True', 'yes', '1');
const enumText = fc.constantFrom(...STATUSES, 'pending', 'In_Sync', 'DONE');
const stringText = fc.string({ unit: anyChar, maxLength: 12 });
const anyText = fc.oneof(numberText, timestampText, booleanText, enumText, stringText);
/** Mostly a value of the field's type (so that the comparison reaches the database), sometimes any. */
const TEXT_OF_TYPE = { number: numberText, timestamp: timestampText, boolean: booleanText, enum: enumText, string: stringText } as const;
const valueText = (type: keyof typeof TEXT_OF_TYPE | undefined) =>
  type === undefined ? anyText : fc.oneof({ weight: 4, arbitrary: TEXT_OF_TYPE[type] }, anyText);
const tokens = (type?: keyof typeof TEXT_OF_TYPE): fc.Arbitrary<Token[]> =>
  fc.tuple(valueText(type), fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, fc.array(fc.nat(), { minLength: 1, maxLength: 3 }))).map(([text, stars]) => {
    const out: Token[] = [...text].map((c) => ({ star: false, c }));
    for (const at of stars) out.splice(at % (out.length + 1), 0, { star: true });
    return out;
  });

const selector = fc
  .oneof(
    {
      weight: 12,
      arbitrary: fc.constantFrom(...PLAIN_FIELDS.map((f) => f.name)).chain((name) => fc.constantFrom(name, name.toUpperCase(), name.toLowerCase())),
    },
    { weight: 3, arbitrary: fc.string({ unit: anyChar, maxLength: 8 }).map((key) => `attribute.${key}`) },
    { weight: 1, arbitrary: fc.constantFrom('attribute.', 'ATTRIBUTE.hw_rev', 'attribute.Hw_Rev', 'unknown', 'and', 'or') },
    { weight: 1, arbitrary: fc.string({ unit: anyChar, minLength: 1, maxLength: 8 }) },
  )
  .map((s) => [...s].filter((c) => !needsEscape(c)).join('') || 'x');
const typeOf = (sel: string) => {
  const lower = sel.toLowerCase();
  return lower.startsWith('attribute.') ? 'string' : PLAIN_FIELDS.find((f) => f.name.toLowerCase() === lower)?.type;
};

const OPERATOR_SPELLINGS: Record<RsqlOperator, string[]> = {
  '==': ['=='],
  '!=': ['!='],
  '=lt=': ['=lt=', '<', '=LT='],
  '=le=': ['=le=', '<=', '=Le='],
  '=gt=': ['=gt=', '>', '=GT='],
  '=ge=': ['=ge=', '>=', '=gE='],
  '=in=': ['=in=', '=IN='],
  '=out=': ['=out=', '=OUT='],
};
const MULTI = new Set<RsqlOperator>(['=in=', '=out=']);

type Ast = { kind: 'comparison'; selector: string; operator: RsqlOperator; values: Token[][] } | { kind: 'and' | 'or'; children: Ast[] };

const comparison: fc.Arbitrary<Ast> = selector.chain((sel) =>
  fc
    .tuple(fc.constantFrom(...(Object.keys(OPERATOR_SPELLINGS) as RsqlOperator[])), fc.array(tokens(typeOf(sel)), { minLength: 1, maxLength: 4 }))
    .map(([operator, values]): Ast => ({ kind: 'comparison', selector: sel, operator, values: MULTI.has(operator) ? values : values.slice(0, 1) })),
);

const ast: fc.Arbitrary<Ast> = fc.letrec<{ node: Ast }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    comparison,
    fc.record({ kind: fc.constantFrom('and' as const, 'or' as const), children: fc.array(tie('node'), { minLength: 2, maxLength: 3 }) }),
  ),
})).node;

/** Layout choices for printing: white space, quoting style, symbol or keyword separators. */
const layout = fc.record({
  ws: fc.array(fc.constantFrom('', '', ' ', '  ', '\t', '\n', '\u00a0'), { minLength: 16, maxLength: 16 }),
  quote: fc.array(fc.constantFrom('none', 'none', '"', "'"), { minLength: 8, maxLength: 8 }),
  keyword: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
  spelling: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  upper: fc.boolean(),
});
type Layout = typeof layout extends fc.Arbitrary<infer L> ? L : never;

function printValue(value: Token[], quote: string): string {
  if (quote === 'none' && value.length > 0) {
    return value.map((t) => (t.star ? '*' : t.c === '*' || needsEscape(t.c) ? `\\${t.c}` : t.c)).join('');
  }
  const q = quote === 'none' ? '"' : quote;
  return q + value.map((t) => (t.star ? '*' : t.c === '*' || t.c === q || t.c === '\\' ? `\\${t.c}` : t.c)).join('') + q;
}

/** The q text for a tree; composite children are always parenthesised, so the tree reads back as is. */
function print(node: Ast, l: Layout): string {
  let n = 0;
  const ws = () => l.ws[n++ % l.ws.length]!;
  const wsNonEmpty = () => ws() || ' ';
  const pick = <T>(list: readonly T[]) => list[n++ % list.length]!;
  const go = (x: Ast): string => {
    if (x.kind === 'comparison') {
      const spellings = OPERATOR_SPELLINGS[x.operator];
      const op = spellings[l.spelling[n++ % l.spelling.length]! % spellings.length]!;
      const values = x.values.map((v) => printValue(v, pick(l.quote)));
      const list = MULTI.has(x.operator) && (values.length > 1 || pick(l.keyword)) ? `(${ws()}${values.join(`${ws()},${ws()}`)}${ws()})` : values[0]!;
      return `${x.selector}${ws()}${op}${ws()}${list}`;
    }
    const keyword = x.kind === 'and' ? 'and' : 'or';
    const symbol = x.kind === 'and' ? ';' : ',';
    return x.children
      .map((c) => (c.kind === 'comparison' ? go(c) : `(${ws()}${go(c)}${ws()})`))
      .reduce(
        (acc, part) =>
          acc + (pick(l.keyword) ? `${wsNonEmpty()}${l.upper ? keyword.toUpperCase() : keyword}${wsNonEmpty()}` : `${ws()}${symbol}${ws()}`) + part,
      );
  };
  return `${ws()}${go(node)}${ws()}`;
}

const textOf = (v: Token[]) => v.map((t) => (t.star ? '*' : t.c)).join('');
const patternOf = (v: Token[]) =>
  v.some((t) => t.star) ? v.map((t) => (t.star ? '%' : t.c === '%' || t.c === '_' || t.c === '\\' ? `\\${t.c}` : t.c)).join('') : null;

/** One canonical rendering of a tree, for the parser's output and the generator's alike. */
function show(node: RsqlNode | Ast): string {
  if (node.kind !== 'comparison') return `(${node.kind} ${node.children.map(show).join(' ')})`;
  const values = (node.values as Array<Token[] | { text: string; pattern: string | null }>).map((v) =>
    Array.isArray(v) ? JSON.stringify([textOf(v), patternOf(v)]) : JSON.stringify([v.text, v.pattern]),
  );
  return `${JSON.stringify(node.selector)}${node.operator}[${values.join(',')}]`;
}

function comparisons(node: RsqlNode): Array<Extract<RsqlNode, { kind: 'comparison' }>> {
  return node.kind === 'comparison' ? [node] : node.children.flatMap(comparisons);
}

function depth(node: RsqlNode): number {
  return node.kind === 'comparison' ? 0 : 1 + Math.max(...node.children.map(depth));
}

/** What every tree parseRsql returns satisfies (the limits and shapes of the header comment). */
function expectWellFormed(q: string, node: RsqlNode): void {
  const all = comparisons(node);
  expect(all.length).toBeGreaterThanOrEqual(1);
  expect(all.length).toBeLessThanOrEqual(RSQL_LIMITS.maxComparisons);
  expect(depth(node)).toBeLessThanOrEqual(RSQL_LIMITS.maxDepth);
  expect(q.length).toBeLessThanOrEqual(RSQL_LIMITS.maxLength);
  expect(q).not.toContain('\u0000');
  expect(/\p{Cs}/u.test(q)).toBe(false);
  for (const c of all) {
    expect(c.selector.length).toBeGreaterThan(0);
    // Selectors take no escapes: no reserved character or white space (a backslash is an ordinary character).
    expect([...c.selector].some((ch) => RESERVED.has(ch) || /\s/.test(ch))).toBe(false);
    expect(q.startsWith(c.selector, c.position)).toBe(true);
    expect(c.values.length).toBeGreaterThanOrEqual(1);
    if (!MULTI.has(c.operator)) expect(c.values).toHaveLength(1);
  }
}

/** Compile and run whatever was accepted: a ServerError (400) is a fine answer, a database error is not. */
async function compileAndRun(node: RsqlNode): Promise<number[] | ServerError> {
  let where: ReturnType<typeof rsqlWhere<Db, 't'>> | undefined;
  const refused = refusal(() => {
    where = rsqlWhere<Db, 't'>(node, FIELDS);
  });
  if (refused) {
    expect(['RSQL_INVALID_FIELD', 'BAD_REQUEST']).toContain(refused.code);
    return refused;
  }
  const rows = await db.selectFrom('t').select('t.id').where(where!).orderBy('t.id').execute();
  return rows.map((r) => Number(r.id));
}

/** Small edits of a valid q: a character inserted, deleted or replaced. */
const edits = fc.array(fc.tuple(fc.constantFrom('insert', 'delete', 'replace'), fc.nat(), anyChar), { minLength: 1, maxLength: 3 });
function applyEdits(q: string, list: ReadonlyArray<readonly [string, number, string]>): string {
  let out = q;
  for (const [kind, at, c] of list) {
    const i = out.length === 0 ? 0 : at % (out.length + (kind === 'insert' ? 1 : 0));
    if (kind === 'insert') out = out.slice(0, i) + c + out.slice(i);
    else if (kind === 'delete') out = out.slice(0, i) + out.slice(i + 1);
    else out = out.slice(0, i) + c + out.slice(i + 1);
  }
  return out;
}

describe('fuzz: RSQL q=', () => {
  it('fuzz: any string is a tree within the limits or an RSQL_SYNTAX 400', () => {
    const rsqlAlphabet = fc.constantFrom(...'aZ09._*\\"\'()=!~<>;, \t'.split(''), '=in=', '=out=', '=lt=', '==', ' and ', ' or ', '\u0000');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), fc.string({ unit: rsqlAlphabet, maxLength: 60 })), (q) => {
        let node: RsqlNode | undefined;
        const refused = refusal(() => {
          node = parseRsql(q);
        });
        if (refused) {
          expect(refused.code).toBe('RSQL_SYNTAX');
          expect(refused.message).toMatch(/^invalid q/);
        } else {
          expectWellFormed(q, node!);
        }
      }),
      fuzzParams(2000),
    );
  });

  it('fuzz: a tree printed from the grammar reads back as the same tree', () => {
    fc.assert(
      fc.property(ast, layout, (tree, l) => {
        const q = print(tree, l);
        fc.pre(q.length <= RSQL_LIMITS.maxLength && !q.includes('\u0000') && !/\p{Cs}/u.test(q));
        const node = parseRsql(q);
        expectWellFormed(q, node);
        expect(show(node)).toBe(show(tree));
      }),
      fuzzParams(1000),
    );
  });

  it(
    'fuzz: whatever is accepted compiles and runs on PostgreSQL without a database error',
    async () => {
      await fc.assert(
        fc.asyncProperty(ast, layout, fc.oneof({ weight: 2, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: edits }), async (tree, l, edit) => {
          const q = edit === null ? print(tree, l) : applyEdits(print(tree, l), edit);
          let node: RsqlNode | undefined;
          const refused = refusal(() => {
            node = parseRsql(q);
          });
          if (refused) {
            expect(refused.code).toBe('RSQL_SYNTAX');
            return;
          }
          const result = await compileAndRun(node!);
          if (!(result instanceof ServerError)) for (const id of result) expect(allIds).toContain(id);
        }),
        fuzzParams(500),
      );
    },
    fuzzTimeout(500, 20),
  );

  it(
    'fuzz: != and =out= select exactly the rows == and =in= do not; ; and , are intersection and union',
    async () => {
      const field = fc.oneof(
        fc.constantFrom(...PLAIN_FIELDS.map((f) => f.name)),
        fc.constantFrom('attribute.hw_rev', 'attribute.region', 'attribute.😀', 'attribute.missing'),
      );
      const simple = field.chain((sel) =>
        fc
          .tuple(fc.boolean(), fc.array(tokens(typeOf(sel)), { minLength: 1, maxLength: 3 }))
          .map(([multi, values]) => ({ sel, multi, values: multi ? values : values.slice(0, 1) })),
      );
      const node = (sel: string, operator: RsqlOperator, values: Token[][]): RsqlNode => ({
        kind: 'comparison',
        selector: sel,
        operator,
        values: values.map((v) => ({ text: textOf(v), pattern: patternOf(v), position: 0 })),
        position: 0,
      });
      await fc.assert(
        fc.asyncProperty(simple, simple, async (a, b) => {
          // Nodes built by hand skip parseRsql, which refuses NUL and lone surrogates.
          fc.pre(![a.sel, b.sel, ...[...a.values, ...b.values].map(textOf)].some((t) => t.includes('\u0000') || /\p{Cs}/u.test(t)));
          const [yes, no] = a.multi ? (['=in=', '=out='] as const) : (['==', '!='] as const);
          const positive = await compileAndRun(node(a.sel, yes, a.values));
          const negative = await compileAndRun(node(a.sel, no, a.values));
          // The same values are checked the same way for both operators.
          expect(positive instanceof ServerError).toBe(negative instanceof ServerError);
          if (positive instanceof ServerError || negative instanceof ServerError) return;
          expect(positive.filter((id) => negative.includes(id))).toEqual([]);
          expect([...positive, ...negative].sort((x, y) => x - y)).toEqual(allIds);

          const other = await compileAndRun(node(b.sel, b.multi ? '=in=' : '==', b.values));
          if (other instanceof ServerError) return;
          const first = node(a.sel, yes, a.values);
          const second = node(b.sel, b.multi ? '=in=' : '==', b.values);
          expect(await select({ kind: 'and', children: [first, second] })).toEqual(positive.filter((id) => other.includes(id)));
          expect(await select({ kind: 'or', children: [first, second] })).toEqual(allIds.filter((id) => positive.includes(id) || other.includes(id)));
        }),
        fuzzParams(200),
      );
    },
    fuzzTimeout(200, 30),
  );
});

describe('fuzz: sort=, offset=, limit=', () => {
  const sortText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc
      .tuple(
        fc.array(
          fc.tuple(
            fc.oneof(fc.constantFrom(...Object.keys(FIELDS), 'NAME', 'attribute.hw_rev', '', ' id '), fc.string({ maxLength: 6 })),
            fc.option(fc.constantFrom('ASC', 'desc', 'Desc', 'up', '', ' asc ', 'ASC:DESC')),
          ),
          { minLength: 1, maxLength: 4 },
        ),
        fc.constantFrom(',', ', ', ',,'),
      )
      .map(([parts, separator]) => parts.map(([f, d]) => (d === null ? f : `${f}:${d}`)).join(separator)),
  );

  it(
    'fuzz: sort is a list of known columns and directions, or a 400; the ORDER BY runs',
    async () => {
      const columns = PLAIN_FIELDS.map((f) => f.column);
      await fc.assert(
        fc.asyncProperty(fc.option(sortText, { freq: 10 }), async (text) => {
          let sort: ReturnType<typeof parseSort> = [];
          const refused = refusal(() => {
            sort = parseSort(text ?? undefined, FIELDS);
          });
          if (refused) {
            expect(['RSQL_INVALID_FIELD', 'BAD_REQUEST']).toContain(refused.code);
            return;
          }
          if (text === null || text.trim() === '') expect(sort).toEqual([]);
          for (const s of sort) {
            expect(columns).toContain(s.column);
            expect(['asc', 'desc']).toContain(s.direction);
          }
          let query = db.selectFrom('t').select('t.id');
          for (const s of sort) query = query.orderBy(sql.ref(s.column), s.direction);
          expect((await query.execute()).length).toBe(allIds.length);
        }),
        fuzzParams(200),
      );
    },
    fuzzTimeout(200, 10),
  );

  it(
    'fuzz: offset and limit are whole numbers in range, or a 400; the LIMIT/OFFSET runs',
    async () => {
      const number = fc.oneof(
        fc.string({ unit: 'binary', maxLength: 12 }),
        fc.nat().map(String),
        fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
        fc.constantFrom('0', '1', '500', '501', '-1', ' 7 ', '1e3', '0x10', '9007199254740991', '9007199254740992', '', '+1', '٣'),
      );
      await fc.assert(
        fc.asyncProperty(fc.option(number), fc.option(number), async (offset, limit) => {
          let paging = { offset: -1, limit: -1 };
          const refused = refusal(() => {
            paging = parsePaging(offset ?? undefined, limit ?? undefined);
          });
          if (refused) {
            expect(refused.code).toBe('BAD_REQUEST');
            return;
          }
          expect(Number.isSafeInteger(paging.offset) && paging.offset >= 0).toBe(true);
          expect(Number.isSafeInteger(paging.limit) && paging.limit >= 1 && paging.limit <= PAGING.maxLimit).toBe(true);
          if (offset === null) expect(paging.offset).toBe(0);
          else expect(paging.offset).toBe(Number(offset.trim()));
          if (limit === null) expect(paging.limit).toBe(PAGING.defaultLimit);
          else expect(paging.limit).toBe(Math.min(Number(limit.trim()), PAGING.maxLimit));
          const rows = await db.selectFrom('t').select('t.id').orderBy('t.id').offset(paging.offset).limit(paging.limit).execute();
          expect(rows.length).toBe(Math.max(0, Math.min(paging.limit, allIds.length - paging.offset)));
        }),
        fuzzParams(200),
      );
    },
    fuzzTimeout(200, 10),
  );
});
