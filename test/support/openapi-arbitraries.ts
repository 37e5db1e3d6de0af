// fast-check arbitraries driven by an OpenAPI 3.1 document: for each operation, requests whose
// path, query and body follow its schemas (valid-ish) with hostile values mixed in at any place:
// NUL and unpaired surrogates, huge and negative numbers, impossible dates, deep nesting, the
// wrong type, odd percent-encoding, and bodies sent with the wrong Content-Type or not as UTF-8.
import fc from 'fast-check';

export type Schema = Record<string, any>;

export interface Operation {
  method: string;
  path: string;
  parameters: { name: string; in: string; required?: boolean; schema?: Schema }[];
  body?: { required: boolean; mediaType: string; schema: Schema };
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** What was mixed in, for the failure report. */
  note: string;
}

export function operationsOf(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const [mediaType, content] =
        Object.entries((op.requestBody?.content ?? {}) as Record<string, any>)[0] ?? [];
      return {
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: mediaType
          ? { required: op.requestBody.required ?? false, mediaType, schema: content?.schema ?? {} }
          : undefined,
      };
    }),
  );
}

const hostileString = fc.constantFrom(
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '',
  ' ',
  '%',
  '%00',
  '../../etc/passwd',
  "'; drop table policies; --",
  '2026-02-30',
  '0000-01-01',
  '2026-13-45T99:99:99Z',
  '9'.repeat(40),
  '-1',
  'NaN',
  'x'.repeat(5_000),
  '\u202e\ufeff',
  '<script>alert(1)</script>',
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(
    0,
    -1,
    -9_000_000_000_000_000,
    9_000_000_000_000_000,
    1e308,
    -1e308,
    0.1,
    true,
    null,
    [],
    {},
    [[[[[[[[[[[]]]]]]]]]]],
    { __proto__: { polluted: true } },
    Array.from({ length: 1_001 }, () => 0),
  ),
);

const dateString = fc.oneof(
  fc
    .date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2035-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-02-30', '0000-01-01', '2026-02-29', '2024-02-29', '9999-12-31'),
);

const instantString = fc.oneof(
  fc
    .date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2035-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '2026-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '1926-01-01T00:00:00Z',
    '2026-01-01T00:00:00+14:00',
  ),
);

export interface Context {
  doc: { components?: { schemas?: Record<string, Schema> } };
  /** Known ids, offered wherever a uuid goes. */
  ids: string[];
}

function resolve(schema: Schema, ctx: Context): Schema {
  const ref = schema?.$ref as string | undefined;
  if (!ref) return schema ?? {};
  return ctx.doc.components?.schemas?.[ref.replace('#/components/schemas/', '')] ?? {};
}

/** A value following the schema, or (one time in six) a hostile one in its place. */
export function arbitraryValue(schema: Schema, ctx: Context, depth = 0): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 5, arbitrary: validOf(schema, ctx, depth) },
    { weight: 1, arbitrary: hostileValue },
  );
}

function validOf(raw: Schema, ctx: Context, depth: number): fc.Arbitrary<unknown> {
  const s = resolve(raw, ctx);
  if (depth > 6) return fc.constant(null);
  if ('const' in s) return fc.constant(s.const);
  if (Array.isArray(s.enum) && s.enum.length) return fc.constantFrom(...s.enum);
  const options = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (options?.length) return fc.oneof(...options.map((o) => validOf(o, ctx, depth + 1)));
  if (Array.isArray(s.allOf) && s.allOf.length) return validOf(s.allOf[0], ctx, depth + 1);
  const type = Array.isArray(s.type) ? s.type : [s.type ?? (s.properties ? 'object' : 'string')];
  return fc.oneof(...type.map((t: string) => ofType(t, s, ctx, depth)));
}

function ofType(type: string, s: Schema, ctx: Context, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer':
    case 'number': {
      const min = s.minimum ?? s.exclusiveMinimum ?? -1_000_000;
      const max = s.maximum ?? s.exclusiveMaximum ?? 1_000_000;
      const lo = Math.max(min, -1e9);
      const hi = Math.min(max, 1e9);
      return type === 'integer'
        ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) })
        : fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true });
    }
    case 'array': {
      const item = s.items ?? {};
      return fc.array(arbitraryValue(item, ctx, depth + 1), {
        minLength: s.minItems ?? 0,
        maxLength: Math.min(s.maxItems ?? 3, Math.max(s.minItems ?? 0, 3)),
      });
    }
    case 'object': {
      const properties = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set<string>(s.required ?? []);
      const model = Object.fromEntries(
        Object.entries(properties).map(([k, v]) => [k, arbitraryValue(v, ctx, depth + 1)]),
      );
      return fc.record(model, { requiredKeys: Object.keys(model).filter((k) => required.has(k)) });
    }
    default:
      return stringOf(s, ctx);
  }
}

function stringOf(s: Schema, ctx: Context): fc.Arbitrary<unknown> {
  switch (s.format) {
    case 'uuid':
      return fc.oneof(fc.constantFrom(...ctx.ids), fc.uuid());
    case 'date':
      return dateString;
    case 'date-time':
      return instantString;
    case 'email':
      return fc.emailAddress();
    case 'uri':
      return fc.constantFrom('https://example.com/hook', 'http://127.0.0.1:1/x', 'ftp://x', 'not a url');
  }
  if (typeof s.pattern === 'string') {
    try {
      return fc.stringMatching(new RegExp(s.pattern)).filter((v) => v.length <= (s.maxLength ?? 200));
    } catch {}
  }
  return fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 24, 24) });
}

/** How the body goes out: mostly as declared, sometimes as the wrong thing. */
const bodyShapes = [
  'declared',
  'declared',
  'declared',
  'declared',
  'declared',
  'declared',
  'text/plain',
  'no content type',
  'not json',
  'invalid utf-8',
  'nested 5000',
  'oversized',
] as const;

export function requestOf(op: Operation, ctx: Context, pathValue: (name: string) => fc.Arbitrary<string>) {
  const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  const pathArb = fc.tuple(
    ...names.map((n) =>
      fc.oneof({ weight: 6, arbitrary: pathValue(n) }, { weight: 1, arbitrary: hostileSegment }),
    ),
  );
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const queryArb = fc.tuple(
    ...queryParams.map((p) =>
      fc.option(arbitraryValue(p.schema ?? {}, ctx), { nil: undefined, freq: p.required ? 8 : 2 }),
    ),
  );
  const bodyArb = op.body ? arbitraryValue(op.body.schema, ctx) : fc.constant(undefined);
  return fc
    .record({
      segments: pathArb,
      query: queryArb,
      body: bodyArb,
      shape: fc.constantFrom(...bodyShapes),
    })
    .map(({ segments, query, body, shape }): FuzzRequest => {
      let url = op.path;
      names.forEach((n, i) => {
        url = url.replace(`{${n}}`, segments[i]!);
      });
      const search = new URLSearchParams();
      queryParams.forEach((p, i) => {
        const v = query[i];
        if (v !== undefined) search.append(p.name, typeof v === 'string' ? v : JSON.stringify(v));
      });
      if (search.size) url += `?${search}`;
      const headers: Record<string, string> = {};
      if (op.method === 'GET' || op.method === 'DELETE' || !op.body)
        return { method: op.method, url, headers, note: `path ${segments.join('/')} query ${search}` };
      const json = JSON.stringify(body ?? {}) ?? '{}';
      const out = (bytes: string | Uint8Array, type?: string): FuzzRequest => {
        if (type) headers['content-type'] = type;
        return { method: op.method, url, headers, body: bytes, note: `${shape} body` };
      };
      switch (shape) {
        case 'declared':
          return out(
            json,
            op.body.mediaType.startsWith('multipart') ? 'application/json' : op.body.mediaType,
          );
        case 'text/plain':
          return out(json, 'text/plain');
        case 'no content type':
          return out(new TextEncoder().encode(json));
        case 'not json':
          return out(json.slice(0, Math.max(1, json.length - 1)), 'application/json');
        case 'invalid utf-8':
          return out(
            Buffer.concat([
              Buffer.from(json.slice(0, -1)),
              Buffer.from([0xc3, 0x28, 0xff]),
              Buffer.from('"}'),
            ]),
            'application/json',
          );
        case 'nested 5000':
          return out(`{"x":${'['.repeat(5000)}${']'.repeat(5000)}}`, 'application/json');
        case 'oversized':
          return out(JSON.stringify({ pad: 'x'.repeat(5 * 1024 * 1024) }), 'application/json');
      }
      return out(json, 'application/json');
    });
}

const hostileSegment = fc.constantFrom(
  '%',
  '%00',
  '%E0%A4%A',
  '..',
  'x'.repeat(300),
  '%2F..%2F',
  'not-a-uuid',
  '%ED%A0%80',
  '0',
);
