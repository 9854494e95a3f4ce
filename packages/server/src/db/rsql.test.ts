import { PGlite } from '@electric-sql/pglite';
import { Kysely, sql, type Generated } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PGliteDialect } from './pglite-dialect.js';
import { ServerError } from '../errors.js';
import { parsePaging, parseRsql, parseSort, rsqlWhere, type RsqlFields, type RsqlNode } from './rsql.js';

/** A compact rendering of the tree: `(and (or a==[1] b==[2]) c=in=[x,y])`; `text~pattern` for wildcards. */
function show(node: RsqlNode): string {
  if (node.kind !== 'comparison') return `(${node.kind} ${node.children.map(show).join(' ')})`;
  return `${node.selector}${node.operator}[${node.values.map((v) => (v.pattern === null ? v.text : `${v.text}~${v.pattern}`)).join(',')}]`;
}
const p = (q: string) => show(parseRsql(q));

function failure(fn: () => unknown): ServerError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ServerError) return e;
    throw e;
  }
  throw new Error('expected a ServerError');
}
const syntax = (q: string) => {
  const e = failure(() => parseRsql(q));
  expect(e.code).toBe('RSQL_SYNTAX');
  expect(e.status).toBe(400);
  return e.message;
};

describe('parseRsql', () => {
  it('parses a comparison with each operator, FIQL and symbolic', () => {
    expect(p('name==dev')).toBe('name==[dev]');
    expect(p('name!=dev')).toBe('name!=[dev]');
    expect(p('weight=lt=5')).toBe('weight=lt=[5]');
    expect(p('weight<5')).toBe('weight=lt=[5]');
    expect(p('weight=le=5')).toBe('weight=le=[5]');
    expect(p('weight<=5')).toBe('weight=le=[5]');
    expect(p('weight=gt=5')).toBe('weight=gt=[5]');
    expect(p('weight>5')).toBe('weight=gt=[5]');
    expect(p('weight=ge=5')).toBe('weight=ge=[5]');
    expect(p('weight>=5')).toBe('weight=ge=[5]');
    expect(p('s=in=(A,B)')).toBe('s=in=[A,B]');
    expect(p('s=out=(A,B)')).toBe('s=out=[A,B]');
    expect(p('s=IN=(A)')).toBe('s=in=[A]');
    expect(p('s=in=A')).toBe('s=in=[A]');
  });

  it('binds AND tighter than OR, with ; , and the and / or keywords', () => {
    expect(p('a==1;b==2,c==3')).toBe('(or (and a==[1] b==[2]) c==[3])');
    expect(p('a==1,b==2;c==3')).toBe('(or a==[1] (and b==[2] c==[3]))');
    expect(p('a==1 and b==2 or c==3')).toBe('(or (and a==[1] b==[2]) c==[3])');
    expect(p('a==1 or b==2 and c==3')).toBe('(or a==[1] (and b==[2] c==[3]))');
    expect(p('a==1;b==2;c==3')).toBe('(and a==[1] b==[2] c==[3])');
    expect(p('a==1 AND b==2')).toBe('(and a==[1] b==[2])');
    expect(p('a==1 and(b==2,c==3)')).toBe('(and a==[1] (or b==[2] c==[3]))');
    // Keywords only between conditions: as values and selectors they are words.
    expect(p('a==and;or==or')).toBe('(and a==[and] or==[or])');
  });

  it('groups with parentheses, and ignores white space between tokens', () => {
    expect(p('(a==1,b==2);c==3')).toBe('(and (or a==[1] b==[2]) c==[3])');
    expect(p('a==1;(b==2,(c==3;d==4))')).toBe('(and a==[1] (or b==[2] (and c==[3] d==[4])))');
    expect(p('((a==1))')).toBe('a==[1]');
    expect(p('  ( a == 1 , b =in= ( x , y ) ) ; c != 3  ')).toBe('(and (or a==[1] b=in=[x,y]) c!=[3])');
  });

  it('reads quoted values with escapes', () => {
    expect(p('name=="hello world"')).toBe('name==[hello world]');
    expect(p("name=='hello world'")).toBe('name==[hello world]');
    expect(p(`name=="it's"`)).toBe(`name==[it's]`);
    expect(p(`name=='it\\'s'`)).toBe(`name==[it's]`);
    expect(p('name=="say \\"hi\\""')).toBe('name==[say "hi"]');
    expect(p('name=="back\\\\slash"')).toBe('name==[back\\slash]');
    expect(p('name==""')).toBe('name==[]');
    expect(p('name=="a;b,c(d)=e"')).toBe('name==[a;b,c(d)=e]');
    expect(p('s=in=("a,b",\'c)\',d)')).toBe('s=in=[a,b,c),d]');
    // A backslash escapes in unquoted values too.
    expect(p('name==a\\;b')).toBe('name==[a;b]');
    expect(p('name==2024-01-01T10:00:00+01:00')).toBe('name==[2024-01-01T10:00:00+01:00]');
  });

  it('turns * into a LIKE pattern and escapes %, _ and \\', () => {
    expect(p('name==dev*')).toBe('name==[dev*~dev%]');
    expect(p('name==*a*b*')).toBe('name==[*a*b*~%a%b%]');
    expect(p('name==dev\\*')).toBe('name==[dev*]');
    expect(p('name=="dev\\*"')).toBe('name==[dev*]');
    expect(p('name==50%_*')).toBe('name==[50%_*~50\\%\\_%]');
    expect(p('name=="a\\\\*"')).toBe('name==[a\\*~a\\\\%]');
    expect(p('name=="\\**"')).toBe('name==[**~*%]');
  });

  it('records positions', () => {
    const node = parseRsql('a==1; bb=in=(x, "y")');
    expect(node).toMatchObject({
      kind: 'and',
      children: [
        { selector: 'a', position: 0, values: [{ text: '1', position: 3 }] },
        { selector: 'bb', position: 6, values: [{ position: 13 }, { position: 16 }] },
      ],
    });
  });

  it('explains syntax errors with the position and what was expected', () => {
    expect(syntax('')).toBe('invalid q at position 0: expected a field name or "(", found the end of q');
    expect(syntax('name')).toBe('invalid q at position 4: expected an operator such as == or =in=, found the end of q');
    expect(syntax('name~=x')).toBe('invalid q at position 4: expected an operator such as == or =in=, found "~=x"');
    expect(syntax('controllerId=x=1')).toBe(
      'invalid q at position 12: unknown operator =x=; the operators are ==, !=, =lt= (<), =le= (<=), =gt= (>), =ge= (>=), =in=, =out=',
    );
    expect(syntax('name==')).toBe('invalid q at position 6: expected a value (a word, or a "quoted" or \'quoted\' string), found the end of q');
    expect(syntax('name==a b')).toBe('invalid q at position 8: expected ";" or "," (and / or) between conditions, or the end of q, found "b"');
    expect(syntax('name=="abc')).toBe('invalid q at position 6: the double-quoted value starting here is not closed with "');
    expect(syntax("name=='abc\\'")).toBe("invalid q at position 6: the single-quoted value starting here is not closed with '");
    expect(syntax('name==abc\\')).toBe('invalid q at position 9: a backslash at the end of q escapes nothing');
    expect(syntax('name==(a,b)')).toBe('invalid q at position 6: operator == takes a single value, not a list; use =in= or =out= for lists');
    expect(syntax('s=in=()')).toBe('invalid q at position 6: expected a value (a word, or a "quoted" or \'quoted\' string), found ")"');
    expect(syntax('s=in=(a,b')).toBe('invalid q at position 9: expected "," or ")" to close the list opened at position 5, found the end of q');
    expect(syntax('(a==1;b==2')).toBe('invalid q at position 10: expected ";", "," or ")" to close the "(" at position 0, found the end of q');
    expect(syntax('a==1)')).toBe('invalid q at position 4: ")" without a matching "("');
    expect(syntax('a==1;')).toBe('invalid q at position 5: expected a field name or "(", found the end of q');
    expect(syntax('a==1,,b==2')).toBe('invalid q at position 5: expected a field name or "(", found ",b==2"');
    expect(syntax('a==1 and')).toBe('invalid q at position 5: expected ";" or "," (and / or) between conditions, or the end of q, found "and"');
    expect(syntax('==1')).toBe('invalid q at position 0: expected a field name or "(", found "==1"');
    // PostgreSQL refuses a NUL in text with an error (a 500): refused as bad input, with its position.
    expect(syntax('name==a\u0000b')).toBe('invalid q at position 7: a NUL character is not allowed in q');
    expect(syntax('name=="\u0000"')).toBe('invalid q at position 7: a NUL character is not allowed in q');
    expect(syntax('name==abcdefghijklmnopqrstuvwxyz ab')).toBe(
      'invalid q at position 33: expected ";" or "," (and / or) between conditions, or the end of q, found "ab"',
    );
    expect(syntax('a==1 xyz==abcdefghijklmnopqrstuvwxyz')).toBe(
      'invalid q at position 5: expected ";" or "," (and / or) between conditions, or the end of q, found "xyz==abcdefghijklmno…"',
    );
  });

  it('enforces the limits: length, nesting depth, number of comparisons', () => {
    const long = `name==${'a'.repeat(4090)}`;
    expect(long.length).toBe(4096);
    expect(p(long)).toBe(`name==[${'a'.repeat(4090)}]`);
    expect(syntax(`${long}a`)).toBe('invalid q: 4097 characters, at most 4096 are allowed');

    const nested = (n: number) => `${'('.repeat(n)}a==1${')'.repeat(n)}`;
    expect(p(nested(32))).toBe('a==[1]');
    expect(syntax(nested(33))).toBe('invalid q at position 32: parentheses nested more than 32 deep');

    const many = (n: number) => Array.from({ length: n }, (_, i) => `f${i}==1`).join(';');
    expect((parseRsql(many(256)) as { children: unknown[] }).children).toHaveLength(256);
    const over = many(257);
    expect(syntax(over)).toBe(`invalid q at position ${over.lastIndexOf('f256')}: more than 256 comparisons`);
  });
});

// ---------------------------------------------------------------------------------------------

interface TestTable {
  id: Generated<number>;
  controller_id: string;
  name: string;
  description: string | null;
  update_status: string;
  weight: number | null;
  request_attributes: boolean;
  created_at: Date | string;
  attributes: Record<string, string> | string;
}
interface TestDb {
  t: TestTable;
}

const NASTY_KEY = "x'); drop table t; --";

const FIELDS: RsqlFields = {
  id: { column: 't.id', type: 'number' },
  controllerId: { column: 't.controller_id', type: 'string' },
  name: { column: 't.name', type: 'string' },
  description: { column: 't.description', type: 'string' },
  updateStatus: { column: 't.update_status', type: 'enum', values: ['ERROR', 'IN_SYNC', 'PENDING', 'REGISTERED', 'UNKNOWN'] },
  weight: { column: 't.weight', type: 'number' },
  requestAttributes: { column: 't.request_attributes', type: 'boolean' },
  createdAt: { column: 't.created_at', type: 'timestamp' },
  attribute: { prefix: 'attribute.', jsonColumn: 't.attributes' },
};

describe('rsqlWhere on PGlite', () => {
  let lite: PGlite;
  let db: Kysely<TestDb>;

  beforeAll(async () => {
    lite = new PGlite();
    db = new Kysely<TestDb>({ dialect: new PGliteDialect(lite) });
    await db.schema
      .createTable('t')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('controller_id', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('description', 'text')
      .addColumn('update_status', 'text', (c) => c.notNull())
      .addColumn('weight', 'integer')
      .addColumn('request_attributes', 'boolean', (c) => c.notNull())
      .addColumn('created_at', 'timestamptz', (c) => c.notNull())
      .addColumn('attributes', 'jsonb', (c) => c.notNull())
      .execute();
    const row = (
      controller_id: string,
      name: string,
      description: string | null,
      update_status: string,
      weight: number | null,
      request_attributes: boolean,
      created_at: string,
      attributes: Record<string, string>,
    ) => ({ controller_id, name, description, update_status, weight, request_attributes, created_at, attributes: JSON.stringify(attributes) });
    await db
      .insertInto('t')
      .values([
        row('dev-01', 'Device One', null, 'PENDING', 10, true, '2024-01-01T00:00:00Z', { hw_rev: '1.0', region: 'eu' }),
        row('dev-02', 'device two', 'spare', 'ERROR', 20, false, '2024-02-01T00:00:00Z', { hw_rev: '2.0' }),
        row('gw-01', 'Gateway 50%_off', 'roof', 'IN_SYNC', null, true, '2024-03-01T00:00:00Z', { region: 'us', [NASTY_KEY]: '1' }),
        row('star', 'a*b', null, 'UNKNOWN', 5, false, '2024-04-01T00:00:00Z', {}),
        row('quote', "it's", null, 'REGISTERED', 7, true, '2024-05-01T00:00:00Z', { Hw_Rev: '1.0' }),
      ])
      .execute();
  });

  afterAll(async () => {
    await db.destroy();
  });

  const find = async (q: string | RsqlNode) => {
    const node = typeof q === 'string' ? parseRsql(q) : q;
    const rows = await db.selectFrom('t').select('t.controller_id').where(rsqlWhere(node, FIELDS)).orderBy('t.id').execute();
    return rows.map((r) => r.controller_id);
  };
  const tableExists = async () => (await sql<{ n: number }>`select count(*)::int as n from t`.execute(db)).rows[0]?.n === 5;

  it('matches selectors case-insensitively', async () => {
    expect(await find('controllerId==dev-01')).toEqual(['dev-01']);
    expect(await find('CONTROLLERID==dev-01')).toEqual(['dev-01']);
  });

  it('compares strings exactly without a wildcard, case-insensitively with one', async () => {
    expect(await find('name=="device two"')).toEqual(['dev-02']);
    expect(await find('name=="DEVICE TWO"')).toEqual([]);
    expect(await find('name==dev*')).toEqual(['dev-01', 'dev-02']);
    expect(await find('name==*ONE')).toEqual(['dev-01']);
    expect(await find('name==*')).toEqual(['dev-01', 'dev-02', 'gw-01', 'star', 'quote']);
    expect(await find('name!=dev*')).toEqual(['gw-01', 'star', 'quote']);
    expect(await find('name!="device two"')).toEqual(['dev-01', 'gw-01', 'star', 'quote']);
  });

  it('treats % and _ literally and \\* as a literal star', async () => {
    expect(await find('name==*50%_*')).toEqual(['gw-01']);
    expect(await find('name==*5_%*')).toEqual([]);
    expect(await find('name==a\\*b')).toEqual(['star']);
    expect(await find('name==a\\**')).toEqual(['star']);
    expect(await find('name==a\\*c')).toEqual([]);
    expect(await find('name==a*b')).toEqual(['star']);
    expect(await find(`name=="it's"`)).toEqual(['quote']);
    expect(await find(`name=='it\\'s'`)).toEqual(['quote']);
  });

  it('includes NULL in != and =out=', async () => {
    expect(await find('description==spare')).toEqual(['dev-02']);
    expect(await find('description!=spare')).toEqual(['dev-01', 'gw-01', 'star', 'quote']);
    expect(await find('description=out=(spare,roof)')).toEqual(['dev-01', 'star', 'quote']);
    expect(await find('weight!=10')).toEqual(['dev-02', 'gw-01', 'star', 'quote']);
  });

  it('compares numbers, with and without fractions', async () => {
    expect(await find('weight==10')).toEqual(['dev-01']);
    expect(await find('weight=gt=7')).toEqual(['dev-01', 'dev-02']);
    expect(await find('weight>=7')).toEqual(['dev-01', 'dev-02', 'quote']);
    expect(await find('weight<7')).toEqual(['star']);
    expect(await find('weight=le=7')).toEqual(['star', 'quote']);
    expect(await find('weight=gt=9.5')).toEqual(['dev-01', 'dev-02']);
    expect(await find('weight==1e1')).toEqual(['dev-01']);
    expect(await find('weight==10.5')).toEqual([]);
    expect(await find('weight=in=(5,20)')).toEqual(['dev-02', 'star']);
    expect(await find('id=out=(1,2,3)')).toEqual(['star', 'quote']);
    expect(await find('id==99999999999999999999')).toEqual([]);
  });

  it('compares integers beyond 32 bits on an integer column instead of failing in the database (issue 12)', async () => {
    // weight is an integer (int4) column: 3000000000 used to reach PostgreSQL as an int4 parameter.
    expect(await find('weight==3000000000')).toEqual([]);
    expect(await find('weight<3000000000')).toEqual(['dev-01', 'dev-02', 'star', 'quote']);
    expect(await find('weight>-2147483649')).toEqual(['dev-01', 'dev-02', 'star', 'quote']);
    expect(await find('weight=in=(10,2147483648,9007199254740991)')).toEqual(['dev-01']);
    expect(await find('weight!=8640000000000000')).toEqual(['dev-01', 'dev-02', 'gw-01', 'star', 'quote']);
    expect(await find('weight==2147483647')).toEqual([]);
    expect(await find('id=le=9007199254740991')).toEqual(['dev-01', 'dev-02', 'gw-01', 'star', 'quote']);
    const compiled = db
      .selectFrom('t')
      .select('t.id')
      .where(rsqlWhere(parseRsql('weight==3000000000'), FIELDS))
      .compile();
    expect(compiled.sql).toBe('select "t"."id" from "t" where "t"."weight" = cast($1 as bigint)');
  });

  it('refuses timestamps PostgreSQL cannot read back (years before 1 and after 9999) as a 400 (issue 12)', async () => {
    const bad = (q: string) => {
      const e = failure(() => rsqlWhere(parseRsql(q), FIELDS));
      expect(e.code).toBe('BAD_REQUEST');
      expect(e.status).toBe(400);
      return e.message;
    };
    expect(bad('createdAt<0000-12-31')).toBe('invalid value "0000-12-31" for field createdAt: expected a timestamp between the years 1 and 9999');
    expect(bad('createdAt>-62135596800001')).toBe('invalid value "-62135596800001" for field createdAt: expected a timestamp between the years 1 and 9999');
    expect(bad('createdAt<253402300800000')).toBe('invalid value "253402300800000" for field createdAt: expected a timestamp between the years 1 and 9999');
    expect(bad('createdAt>-8640000000000000')).toMatch(/expected a timestamp between the years 1 and 9999$/);
    expect(await find('createdAt>=-62135596800000')).toEqual(['dev-01', 'dev-02', 'gw-01', 'star', 'quote']);
    expect(await find('createdAt<=253402300799999')).toEqual(['dev-01', 'dev-02', 'gw-01', 'star', 'quote']);
    expect(await find('createdAt>0001-01-01')).toEqual(['dev-01', 'dev-02', 'gw-01', 'star', 'quote']);
  });

  it('refuses NUL characters and lone surrogates in q, which PostgreSQL text cannot hold (issue 12)', async () => {
    expect(syntax('name==a\u0000b')).toBe('invalid q at position 7: a NUL character is not allowed in q');
    expect(syntax('attribute.\u0000==1')).toBe('invalid q at position 10: a NUL character is not allowed in q');
    expect(syntax('name=="\udc00\udc00"')).toBe('invalid q at position 7: q is not valid Unicode (a lone surrogate)');
    expect(syntax('attribute.\ud800==1')).toBe('invalid q at position 10: q is not valid Unicode (a lone surrogate)');
    // A proper surrogate pair is just a character.
    expect(await find('name=="😀"')).toEqual([]);
    expect(await find('attribute.😀==x')).toEqual([]);
  });

  it('compares booleans and enums (case-insensitively)', async () => {
    expect(await find('requestAttributes==true')).toEqual(['dev-01', 'gw-01', 'quote']);
    expect(await find('requestAttributes==FALSE')).toEqual(['dev-02', 'star']);
    expect(await find('requestAttributes!=true')).toEqual(['dev-02', 'star']);
    expect(await find('updateStatus==pending')).toEqual(['dev-01']);
    expect(await find('updateStatus=in=(PENDING,error)')).toEqual(['dev-01', 'dev-02']);
    expect(await find('updateStatus=out=(PENDING,error)')).toEqual(['gw-01', 'star', 'quote']);
  });

  it('compares timestamps in epoch milliseconds and ISO 8601', async () => {
    const feb = Date.parse('2024-02-01T00:00:00Z');
    expect(await find(`createdAt==${feb}`)).toEqual(['dev-02']);
    expect(await find(`createdAt=gt=${feb}`)).toEqual(['gw-01', 'star', 'quote']);
    expect(await find('createdAt<2024-02-01T00:00:00Z')).toEqual(['dev-01']);
    expect(await find('createdAt<=2024-02-01')).toEqual(['dev-01', 'dev-02']);
    expect(await find('createdAt<2024-02-01T01:00:00+01:00')).toEqual(['dev-01']);
    expect(await find('createdAt=ge="2024-04-01 00:00"')).toEqual(['star', 'quote']);
    // The first and last moments it takes still reach the database and compare.
    expect(await find('createdAt>0001-01-01T00:00:00Z')).toEqual(['dev-01', 'dev-02', 'gw-01', 'star', 'quote']);
    expect(await find('createdAt<9999-12-31T23:59:59.999Z')).toEqual(['dev-01', 'dev-02', 'gw-01', 'star', 'quote']);
  });

  it('looks up map keys as parameters', async () => {
    expect(await find('attribute.hw_rev==1.0')).toEqual(['dev-01']);
    expect(await find('attribute.Hw_Rev==1.0')).toEqual(['quote']); // keys keep their case
    expect(await find('ATTRIBUTE.region==*')).toEqual(['dev-01', 'gw-01']);
    expect(await find('attribute.hw_rev!=1.0')).toEqual(['dev-02', 'gw-01', 'star', 'quote']);
    expect(await find('attribute.hw_rev=in=(1.0,2.0)')).toEqual(['dev-01', 'dev-02']);
    expect(await find('attribute.hw_rev=gt=1.5')).toEqual(['dev-02']);
    expect(await find('attribute.hw_rev==1.0,attribute.region==us')).toEqual(['dev-01', 'gw-01']);
  });

  it('combines with AND, OR and parentheses', async () => {
    expect(await find('name==dev*;updateStatus=in=(PENDING,ERROR)')).toEqual(['dev-01', 'dev-02']);
    expect(await find('name==dev*;weight>10,controllerId==star')).toEqual(['dev-02', 'star']);
    expect(await find('name==dev*;(weight>10,controllerId==star)')).toEqual(['dev-02']);
    expect(await find('(requestAttributes==true or weight<6) and name!=dev*')).toEqual(['gw-01', 'star', 'quote']);
  });

  it('binds values as parameters, never in the SQL text', () => {
    const compiled = db
      .selectFrom('t')
      .selectAll()
      .where(rsqlWhere(parseRsql(`name=="x' or '1'='1";attribute.hw_rev==dev*`), FIELDS))
      .compile();
    expect(compiled.sql).toBe(`select * from "t" where ("t"."name" = $1 and ("t"."attributes" ->> $2::text) ilike $3)`);
    expect(compiled.parameters).toEqual(["x' or '1'='1", 'hw_rev', 'dev%']);
    // With the database and table named, and with a number and a timestamp.
    const typed = db
      .selectFrom('t')
      .select('t.id')
      .where(rsqlWhere<TestDb, 't'>(parseRsql('weight>=1.5,createdAt<0'), FIELDS))
      .compile();
    expect(typed.sql).toBe(`select "t"."id" from "t" where ("t"."weight" >= cast($1 as numeric) or "t"."created_at" < cast($2 as timestamptz))`);
    expect(typed.parameters).toEqual(['1.5', '1970-01-01T00:00:00.000Z']);
  });

  it('resists injection through values and map keys', async () => {
    expect(await find(`name=="x' or '1'='1"`)).toEqual([]);
    expect(await find(`name=='x\\' or \\'1\\'=\\'1'`)).toEqual([]);
    expect(await find(`name=="x'); drop table t; --"`)).toEqual([]);
    expect(await find(`name=="*'; drop table t; --*"`)).toEqual([]);
    expect(await tableExists()).toBe(true);
    // In q, a quote cannot be part of a selector at all ...
    expect(failure(() => parseRsql(`attribute.x'); drop table t; --==1`)).code).toBe('RSQL_SYNTAX');
    // ... and if a caller builds such a key itself, it is still just a key: the one row holding it.
    const node: RsqlNode = {
      kind: 'comparison',
      selector: `attribute.${NASTY_KEY}`,
      operator: '==',
      values: [{ text: '1', pattern: null, position: 0 }],
      position: 0,
    };
    expect(await find(node)).toEqual(['gw-01']);
    expect(await find({ ...node, values: [{ text: `1' or '1'='1`, pattern: null, position: 0 }] })).toEqual([]);
    expect(await tableExists()).toBe(true);
  });

  it('rejects unknown fields, listing the allowed ones', () => {
    const e = failure(() => rsqlWhere(parseRsql('attribute.hw_rev==1.0,tag==prod'), FIELDS));
    expect(e.code).toBe('RSQL_INVALID_FIELD');
    expect(e.status).toBe(400);
    expect(e.message).toBe(
      'unknown field "tag" at position 22; allowed fields: id, controllerId, name, description, updateStatus, weight, requestAttributes, createdAt, attribute.<key>',
    );
    const noKey = failure(() => rsqlWhere(parseRsql('attribute.==1'), FIELDS));
    expect(noKey.code).toBe('RSQL_INVALID_FIELD');
    expect(noKey.message).toMatch(/^field attribute\. needs a key, e\.g\. attribute\.<key>; allowed fields: id, /);
  });

  it('rejects values of the wrong type and operators that do not apply, naming the field', () => {
    const bad = (q: string) => {
      const e = failure(() => rsqlWhere(parseRsql(q), FIELDS));
      expect(e.code).toBe('BAD_REQUEST');
      return e.message;
    };
    expect(bad('weight==ten')).toBe('invalid value "ten" for field weight: expected a number');
    expect(bad('weight==1*')).toBe('invalid value "1*" for field weight: expected a number');
    expect(bad('weight=in=(1,x)')).toBe('invalid value "x" for field weight: expected a number');
    expect(bad('weight==Infinity')).toBe('invalid value "Infinity" for field weight: expected a number');
    expect(bad('requestAttributes==yes')).toBe('invalid value "yes" for field requestAttributes: expected true or false');
    expect(bad('createdAt>yesterday')).toBe('invalid value "yesterday" for field createdAt: expected a timestamp in epoch milliseconds or ISO 8601');
    expect(bad('createdAt>2024-13-45')).toBe('invalid value "2024-13-45" for field createdAt: expected a timestamp in epoch milliseconds or ISO 8601');
    // Beyond what timestamptz takes as ISO 8601 (a JS Date reaches year 275760): a 400, not a database error.
    expect(bad('createdAt>8640000000000000')).toBe('invalid value "8640000000000000" for field createdAt: expected a timestamp between the years 1 and 9999');
    expect(bad('createdAt<-62135596800001')).toBe('invalid value "-62135596800001" for field createdAt: expected a timestamp between the years 1 and 9999');
    expect(bad('updateStatus==DONE')).toBe('invalid value "DONE" for field updateStatus: expected one of ERROR, IN_SYNC, PENDING, REGISTERED, UNKNOWN');
    expect(bad('updateStatus==PEND*')).toBe('invalid value "PEND*" for field updateStatus: expected one of ERROR, IN_SYNC, PENDING, REGISTERED, UNKNOWN');
    expect(bad('updateStatus=lt=PENDING')).toBe('operator =lt= does not apply to field updateStatus (enum); use ==, !=, =in= or =out=');
    expect(bad('requestAttributes>true')).toBe('operator =gt= does not apply to field requestAttributes (boolean); use ==, !=, =in= or =out=');
  });
});

describe('parseSort', () => {
  it('maps fields to columns with their directions', () => {
    expect(parseSort(undefined, FIELDS)).toEqual([]);
    expect(parseSort('', FIELDS)).toEqual([]);
    expect(parseSort('name:ASC,createdAt:DESC', FIELDS)).toEqual([
      { column: 't.name', direction: 'asc' },
      { column: 't.created_at', direction: 'desc' },
    ]);
    expect(parseSort('CONTROLLERID:desc, weight', FIELDS)).toEqual([
      { column: 't.controller_id', direction: 'desc' },
      { column: 't.weight', direction: 'asc' },
    ]);
  });

  it('rejects unknown fields, map fields and bad directions', () => {
    const unknown = failure(() => parseSort('name:ASC,tag:DESC', FIELDS));
    expect(unknown.code).toBe('RSQL_INVALID_FIELD');
    expect(unknown.message).toBe(
      'unknown sort field "tag"; allowed fields: id, controllerId, name, description, updateStatus, weight, requestAttributes, createdAt',
    );
    expect(failure(() => parseSort('attribute.hw_rev:ASC', FIELDS)).code).toBe('RSQL_INVALID_FIELD');
    const direction = failure(() => parseSort('name:UP', FIELDS));
    expect(direction.code).toBe('BAD_REQUEST');
    expect(direction.message).toBe('invalid sort direction "UP" for field name: expected ASC or DESC');
    expect(failure(() => parseSort('name:ASC:x', FIELDS)).message).toBe(
      'invalid sort "name:ASC:x": expected field:ASC or field:DESC, e.g. sort=name:ASC,createdAt:DESC',
    );
    expect(failure(() => parseSort('name:ASC,', FIELDS)).code).toBe('BAD_REQUEST');
  });
});

describe('parsePaging', () => {
  it('defaults to offset 0 and limit 50, and caps the limit at 500', () => {
    expect(parsePaging()).toEqual({ offset: 0, limit: 50 });
    expect(parsePaging('20', '10')).toEqual({ offset: 20, limit: 10 });
    expect(parsePaging(undefined, '500')).toEqual({ offset: 0, limit: 500 });
    expect(parsePaging(undefined, '501')).toEqual({ offset: 0, limit: 500 });
    expect(parsePaging('0', '1')).toEqual({ offset: 0, limit: 1 });
  });

  it('rejects non-numeric, negative and zero limits', () => {
    for (const [offset, limit] of [
      ['-1', undefined],
      ['x', undefined],
      ['1.5', undefined],
      ['', undefined],
      [undefined, '-5'],
      [undefined, '0'],
      [undefined, 'ten'],
      ['1e3', undefined],
      ['99999999999999999999', undefined],
    ] as const) {
      const e = failure(() => parsePaging(offset, limit));
      expect(e.code).toBe('BAD_REQUEST');
    }
    expect(failure(() => parsePaging('-1')).message).toBe('invalid offset "-1": expected a whole number of at least 0');
    expect(failure(() => parsePaging(undefined, '0')).message).toBe('invalid limit "0": expected a whole number of at least 1');
  });
});
