/**
 * Fuzzing at the HTTP level (issue 12): every route of the OpenAPI document that takes a body —
 * management and DDI — gets random bodies: any JSON value, objects with the route's own field
 * names holding random or extreme values, and bytes that are not JSON at all; list routes get
 * random query strings; the artifact upload gets random and broken multipart bodies. Whatever
 * arrives, the server answers below 500, and every refusal is the hawkBit error body with a code.
 * The whole pipeline runs (fastify's parsers, the route schemas, the services, PGlite) through
 * `inject`, so no socket limits the rate. Budget: testkit/fuzz.ts (OSPREY_FUZZ_RUNS).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed } from '@osprey/server';
import { fuzzParams, fuzzTimeout } from '../../../../testkit/fuzz.js';
import { TEST_ADMIN } from '../../../../testkit/rest.js';
import { startTestServer, type TestServer } from '../../../../testkit/server.js';
import { openApiDocument } from '../../src/http/openapi.js';

interface Operation {
  method: string;
  path: string;
  /** Fields of the body's object (or of its array's items), from the schema. */
  fields: Array<[string, Schema]>;
  /** The body is an array of such objects (hawkBit's create routes). */
  array: boolean;
  hasBody: boolean;
  listQuery: boolean;
}

type Schema = { $ref?: string; type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[] };

const RUNS_PER_ROUTE = 12;
const DEVICE_TOKEN = 'token-fuzz01-abcdef';

/** Values that have broken parsers and columns before: extremes, wrong types, NUL, long text. */
const nasty = fc.oneof(
  fc.constantFrom(
    0,
    -1,
    2 ** 31,
    -(2 ** 31) - 1,
    2 ** 53,
    1e308,
    -0,
    0.5,
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '%00',
    '../../etc/passwd',
    '*',
    '==',
    '🦅',
    null,
    true,
    [],
    {},
  ),
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.string({ minLength: 300, maxLength: 5000 }),
  fc.date({ noInvalidDate: true }).map((d) => d.getTime()),
);

/** Values of a schema's own type, extremes included. */
function typed(schema: Schema): fc.Arbitrary<unknown> {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  const e = (schema as { enum?: unknown[] }).enum;
  if (e && e.length > 0) return fc.constantFrom(...e);
  switch (type) {
    case 'string':
      return fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', 'a', 'gw*', '\u0000', 'x'.repeat(300)));
    case 'integer':
      return fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, 1), fc.integer());
    case 'number':
      return fc.oneof(fc.double({ noNaN: true }), fc.integer());
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(schema.items ? typed(schema.items) : fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 });
    case 'object':
      return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 });
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

describe('HTTP bodies, query strings and multipart: never a 5xx', () => {
  let server: TestServer;
  const operations: Operation[] = [];

  beforeAll(async () => {
    server = await startTestServer('pglite', {}, { listen: false });
    await seed(server.database.db, server.blobs, server.keys, {
      targets: [{ controllerId: 'fuzz01', securityToken: DEVICE_TOKEN }],
      modules: [{ key: 'os', name: 'fuzz-os', version: '1.0', artifacts: [] }],
      distributionSets: [{ key: 'ds', name: 'fuzz', version: '1.0', modules: ['os'] }],
      assignments: [{ target: 'fuzz01', ds: 'ds' }],
    });
    await server.ddi.settle();
    const doc = openApiDocument(server.app) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: Schema }> }; parameters?: Array<{ in: string; name: string }> }>
      >;
      components?: { schemas?: Record<string, Schema> };
    };
    const resolve = (s: Schema | undefined): Schema | undefined => (s?.$ref ? doc.components?.schemas?.[s.$ref.split('/').at(-1)!] : s);
    const fieldsOf = (s: Schema | undefined): Array<[string, Schema]> => {
      const schema = resolve(s);
      if (!schema) return [];
      if (schema.items) return fieldsOf(schema.items);
      if (schema.anyOf) return schema.anyOf.flatMap(fieldsOf);
      return Object.entries(schema.properties ?? {}).map(([k, v]) => [k, resolve(v) ?? {}]);
    };
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(methods)) {
        // The live channel never ends; the TUF and download routes take no body.
        if (path === '/rest/v1/events') continue;
        const json = op.requestBody?.content['application/json'];
        const listQuery = method === 'get' && (op.parameters ?? []).some((p) => p.in === 'query' && p.name === 'q');
        if (!json && !listQuery) continue;
        const schema = resolve(json?.schema);
        operations.push({
          method: method.toUpperCase(),
          path,
          fields: fieldsOf(schema),
          array: schema?.type === 'array',
          hasBody: json !== undefined,
          listQuery,
        });
      }
    }
  });
  afterAll(() => server?.stop());

  /** A concrete URL: path parameters are an existing id, another one, or junk. */
  const urlOf = (path: string, picks: string[]) => {
    let i = 0;
    return path.replace(/\{[^}]+\}/g, (name) => {
      const pick = picks[i++ % picks.length]!;
      if (name === '{tenant}') return 'DEFAULT';
      if (name === '{controllerId}' && path.includes('/controller/')) return 'fuzz01';
      return encodeURIComponent(pick);
    });
  };
  const pathPick = fc.array(fc.oneof(fc.constantFrom('1', '2', 'fuzz01', '0', '-1', '99999999999', 'admin'), fc.string({ minLength: 1, maxLength: 12 })), {
    minLength: 3,
    maxLength: 3,
  });

  /** Answers by status, so the test can show that requests got through to the routes (not all refused at the door). */
  const statuses = new Map<number, number>();
  const expectHandled = (res: { statusCode: number; body: string; headers: Record<string, unknown> }, what: string) => {
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    expect(res.statusCode, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
    if (res.statusCode >= 400 && res.statusCode !== 404) {
      // Every refusal is the hawkBit error body (a 404 of an unknown route is one too).
      const body = JSON.parse(res.body) as { errorCode?: unknown; message?: unknown };
      expect(typeof body.errorCode, `${what}: ${res.body.slice(0, 200)}`).toBe('string');
      expect(typeof body.message).toBe('string');
    }
  };

  const authFor = (path: string) => (path.includes('/controller/') ? `TargetToken ${DEVICE_TOKEN}` : TEST_ADMIN);

  it(
    'JSON bodies of every route: any JSON, the route’s own fields with nasty values, and non-JSON bytes',
    async () => {
      const withBody = operations.filter((o) => o.hasBody);
      expect(withBody.length).toBeGreaterThan(40);
      statuses.clear();
      for (const op of withBody) {
        // The route's own fields, mostly of their own type (so requests get past the schema into the services), sometimes not.
        const shaped =
          op.fields.length > 0
            ? fc.record(Object.fromEntries(op.fields.map(([name, schema]) => [name, fc.oneof({ weight: 3, arbitrary: typed(schema) }, nasty)])), {
                requiredKeys: [],
              })
            : fc.jsonValue({ maxDepth: 2 });
        const body = fc.oneof(
          fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
          shaped.map((v) => JSON.stringify(op.array ? [v] : v)),
          shaped.map((v) => JSON.stringify(op.array ? v : [v])),
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
        );
        await fc.assert(
          fc.asyncProperty(pathPick, body, async (picks, payload) => {
            const url = urlOf(op.path, picks);
            const res = await server.app.inject({
              method: op.method as 'POST',
              url,
              headers: { authorization: authFor(op.path), 'content-type': 'application/json' },
              payload,
            });
            expectHandled(res, `${op.method} ${url} ${payload.slice(0, 120)}`);
          }),
          fuzzParams(RUNS_PER_ROUTE),
        );
      }
      // Most bodies are refused by the schemas (400), some reach the services (404, 409, 2xx): not all stopped by authentication.
      expect(statuses.get(400) ?? 0).toBeGreaterThan(0);
      expect([...statuses].filter(([s]) => s === 401).reduce((n, [, c]) => n + c, 0)).toBeLessThan(withBody.length * RUNS_PER_ROUTE * 0.2);
    },
    fuzzTimeout(RUNS_PER_ROUTE * 60, 20),
  );

  it(
    'query strings of every list route: RSQL, sort, offset and limit of any shape, repeated',
    async () => {
      const lists = operations.filter((o) => o.listQuery);
      expect(lists.length).toBeGreaterThan(10);
      const value = fc.oneof(nasty.map(String), fc.constantFrom('name==a*', 'id=gt=1', 'name:DESC', 'updateStatus==error', '(a==1,b==2);c!=3'));
      const query = fc.dictionary(
        fc.constantFrom('q', 'sort', 'offset', 'limit', 'representation', 'format'),
        fc.oneof(value, fc.array(value, { maxLength: 3 })),
        {
          maxKeys: 4,
        },
      );
      for (const op of lists) {
        await fc.assert(
          fc.asyncProperty(pathPick, query, async (picks, q) => {
            const url = urlOf(op.path, picks);
            const res = await server.app.inject({
              method: 'GET',
              url,
              query: q as Record<string, string | string[]>,
              headers: { authorization: authFor(op.path) },
            });
            expectHandled(res, `GET ${url} ${JSON.stringify(q).slice(0, 200)}`);
          }),
          fuzzParams(RUNS_PER_ROUTE),
        );
      }
    },
    fuzzTimeout(RUNS_PER_ROUTE * 30, 20),
  );

  it(
    'multipart uploads: random boundaries, fields, part headers and bodies cut anywhere',
    async () => {
      const moduleRow = await server.database.db.selectFrom('software_modules').select('id').where('name', '=', 'fuzz-os').executeTakeFirstOrThrow();
      const field = fc.record({
        name: fc.oneof(fc.constantFrom('file', 'sha1sum', 'md5sum', 'sha256sum', 'filename', 'encrypt', 'tufTarget'), fc.string({ maxLength: 20 })),
        filename: fc.option(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('../x', 'a\u0000b', 'ok.bin')), { nil: undefined }),
        value: fc.oneof(
          fc.string({ maxLength: 100 }),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
      });
      const form = fc.record({
        boundary: fc.oneof(
          fc.constant('fuzzboundary'),
          fc.string({ minLength: 1, maxLength: 70 }).filter((b) => !/[\r\n"]/.test(b)),
        ),
        declared: fc.boolean(),
        parts: fc.array(field, { maxLength: 4 }),
        cut: fc.option(fc.nat(), { nil: undefined }),
        closed: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(form, async ({ boundary, declared, parts, cut, closed }) => {
          const text =
            parts
              .map(
                (p) =>
                  `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}\r\n\r\n${p.value}\r\n`,
              )
              .join('') + (closed ? `--${boundary}--\r\n` : '');
          const bytes = Buffer.from(text, 'latin1');
          const payload = cut === undefined ? bytes : bytes.subarray(0, cut % (bytes.length + 1));
          const res = await server.app.inject({
            method: 'POST',
            url: `/rest/v1/softwaremodules/${moduleRow.id}/artifacts`,
            headers: { authorization: TEST_ADMIN, 'content-type': declared ? `multipart/form-data; boundary=${boundary}` : 'multipart/form-data' },
            payload,
          });
          expectHandled(res, `multipart ${JSON.stringify(text.slice(0, 200))}`);
        }),
        fuzzParams(RUNS_PER_ROUTE * 25),
      );
    },
    fuzzTimeout(RUNS_PER_ROUTE * 25, 50),
  );
});
