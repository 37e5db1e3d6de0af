// HubSpot's CRM v3 API as the sandbox serves it: objects (list, read, search, create, update,
// archive, batch), owners and v4 association reads and batch creates, with HubSpot's auth errors, rate-limit
// headers and 429 bodies (the shapes @hubspot/api-client inspects), under both the numbered
// /crm/v3 paths and the date-versioned /crm/objects/2026-03 paths HubSpot is moving to; deal
// pipelines and custom properties (the renewal pipeline and unique external-id property the hub
// sets up). Assumptions for tasks, pipelines and unique properties are listed in portal.ts.
import { type Context, Hono } from 'hono';
import { holdIfAsked } from '../../kit/sandbox/chaos.ts';
import { chaosMeter } from '../../kit/sandbox/meter.ts';
import {
  associationTypeIds,
  type HsObjectType,
  type HsRecord,
  type HubSpotPortal,
  lastModifiedProperty,
  objectTypeAliases,
} from './portal.ts';
import type { HubSpotSandbox } from './sandbox.ts';

type Env = { Variables: { portal: HubSpotPortal } };

const DAILY_LIMIT = 500_000;
const datetimeProps = new Set(['createdate', 'hs_lastmodifieddate', 'lastmodifieddate', 'closedate']);

type ErrorBody = { status: string; message: string; correlationId: string; category: string } & Record<
  string,
  unknown
>;

function errorBody(
  portal: HubSpotPortal | undefined,
  category: string,
  message: string,
  extra: object = {},
): ErrorBody {
  return {
    status: 'error',
    message,
    correlationId: portal?.correlationId() ?? crypto.randomUUID(),
    category,
    ...extra,
  };
}

function limitHeaders(c: Context, portal: HubSpotPortal, remaining: number) {
  c.header('X-HubSpot-RateLimit-Daily', String(DAILY_LIMIT));
  c.header('X-HubSpot-RateLimit-Daily-Remaining', String(Math.max(0, DAILY_LIMIT - portal.requestCount)));
  c.header('X-HubSpot-RateLimit-Interval-Milliseconds', String(portal.window.windowMs));
  c.header('X-HubSpot-RateLimit-Max', String(portal.window.max));
  c.header('X-HubSpot-RateLimit-Remaining', String(remaining));
}

function resolveType(c: Context): HsObjectType | undefined {
  return objectTypeAliases[c.req.param('type') ?? ''];
}

function splitList(value: string | string[] | undefined): string[] {
  if (!value) return [];
  const parts = Array.isArray(value) ? value : [value];
  return parts
    .flatMap((p) => p.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
}

const defaultProps: Record<HsObjectType, string[]> = {
  companies: ['name', 'domain', 'createdate', 'hs_lastmodifieddate', 'hs_object_id'],
  contacts: ['firstname', 'lastname', 'email', 'createdate', 'lastmodifieddate', 'hs_object_id'],
  deals: [
    'dealname',
    'amount',
    'closedate',
    'pipeline',
    'dealstage',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
  ],
  tasks: [
    'hs_timestamp',
    'hs_task_subject',
    'hs_task_status',
    'hs_task_priority',
    'createdate',
    'hs_lastmodifieddate',
    'hs_object_id',
  ],
};

export function serialize(
  portal: HubSpotPortal,
  type: HsObjectType,
  record: HsRecord,
  properties: string[],
  associations: string[] = [],
): Record<string, unknown> {
  const wanted = properties.length
    ? [...new Set([...properties, 'createdate', lastModifiedProperty[type], 'hs_object_id'])]
    : defaultProps[type];
  const props: Record<string, string | null> = {};
  // A defined property without a value is null; one the portal does not define is left out.
  for (const name of wanted)
    if (portal.properties[type].has(name)) props[name] = record.properties[name] ?? null;
  const out: Record<string, unknown> = {
    id: record.id,
    properties: props,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    archived: record.archived,
  };
  if (record.archivedAt) out.archivedAt = record.archivedAt;
  const assoc: Record<string, unknown> = {};
  for (const a of associations) {
    const toType = objectTypeAliases[a];
    if (!toType) continue;
    const ids = [...record.associations[toType]];
    if (ids.length) {
      assoc[toType] = {
        results: ids.map((id) => ({ id, type: `${type.slice(0, -1)}_to_${toType.slice(0, -1)}` })),
      };
    }
  }
  if (Object.keys(assoc).length) out.associations = assoc;
  return out;
}

function compare(property: string, left: string | null | undefined, right: unknown): number | null {
  if (left === null || left === undefined) return null;
  if (datetimeProps.has(property)) {
    const l = Date.parse(left);
    const rv =
      typeof right === 'number' || /^\d+$/.test(String(right)) ? Number(right) : Date.parse(String(right));
    return l - rv;
  }
  const ln = Number(left);
  const rn = Number(right);
  if (left !== '' && !Number.isNaN(ln) && !Number.isNaN(rn)) return ln - rn;
  return left.localeCompare(String(right));
}

interface Filter {
  propertyName: string;
  operator: string;
  value?: unknown;
  highValue?: unknown;
  values?: unknown[];
}

function matches(record: HsRecord, filter: Filter): boolean {
  if (filter.propertyName.startsWith('associations.')) {
    const toType = objectTypeAliases[filter.propertyName.slice('associations.'.length)];
    if (!toType || filter.operator !== 'EQ')
      throw new Error(`unsupported association filter ${filter.propertyName} ${filter.operator}`);
    return record.associations[toType].has(String(filter.value));
  }
  const v = record.properties[filter.propertyName];
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return v !== null && v !== undefined && v !== '';
    case 'NOT_HAS_PROPERTY':
      return v === null || v === undefined || v === '';
    case 'EQ':
      return compare(filter.propertyName, v, filter.value) === 0;
    case 'NEQ':
      return compare(filter.propertyName, v, filter.value) !== 0;
    case 'IN':
      return (filter.values ?? []).some((x) => compare(filter.propertyName, v, x) === 0);
    case 'NOT_IN':
      return !(filter.values ?? []).some((x) => compare(filter.propertyName, v, x) === 0);
    case 'GT':
    case 'GTE':
    case 'LT':
    case 'LTE': {
      const d = compare(filter.propertyName, v, filter.value);
      if (d === null) return false;
      return filter.operator === 'GT'
        ? d > 0
        : filter.operator === 'GTE'
          ? d >= 0
          : filter.operator === 'LT'
            ? d < 0
            : d <= 0;
    }
    case 'BETWEEN': {
      const lo = compare(filter.propertyName, v, filter.value);
      const hi = compare(filter.propertyName, v, filter.highValue);
      return lo !== null && hi !== null && lo >= 0 && hi <= 0;
    }
    case 'CONTAINS_TOKEN':
      return (
        typeof v === 'string' &&
        v.toLowerCase().includes(String(filter.value).replace(/\*/g, '').toLowerCase())
      );
    default:
      throw new Error(`unsupported operator ${filter.operator}`);
  }
}

/** Records of a type in id order, starting at the id in `after`. */
function* fromCursor(records: Map<string, HsRecord>, after: string | undefined): Generator<HsRecord> {
  const start = after ? Number(after) : 0;
  for (const r of records.values()) if (Number(r.id) >= start) yield r;
}

export function hubspotApi(sandbox: HubSpotSandbox): Hono<Env> {
  const app = new Hono<Env>();

  // Auth, chaos and rate limits, in the order HubSpot applies them.
  app.use('*', async (c, next) => {
    const auth = c.req.header('authorization') ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    // A held request is checked when released: a token revoked meanwhile is refused.
    const holding = sandbox.portalForToken(token);
    if (holding) await holdIfAsked(() => holding.chaos);
    const portal = sandbox.portalForToken(token);
    if (!portal) {
      return c.json(
        errorBody(
          undefined,
          'INVALID_AUTHENTICATION',
          'Authentication credentials not found. This API supports OAuth 2.0 authentication.',
        ),
        401,
      );
    }
    const expiry = portal.tokens.get(token);
    if (expiry && expiry < Date.now()) {
      return c.json(
        errorBody(portal, 'EXPIRED_AUTHENTICATION', 'The OAuth token used to make this call expired.', {
          context: { expiredAt: [new Date(expiry).toISOString()] },
        }),
        401,
      );
    }
    c.set('portal', portal);
    await next();
  });
  app.use(
    '*',
    chaosMeter<Env, HubSpotPortal>({
      account: (c) => c.get('portal'),
      hold: false,
      window: (portal) => portal.window,
      limit: () => 190,
      outage: (c, portal) => c.json(errorBody(portal, 'INTERNAL_ERROR', 'internal error'), 502),
      limitHeaders: (c, portal, slot) => limitHeaders(c, portal, slot?.remaining ?? 0),
      rateLimited: (c, portal) =>
        c.json(
          {
            status: 'error',
            message: 'You have reached your ten_secondly_rolling limit.',
            errorType: 'RATE_LIMIT',
            correlationId: portal.correlationId(),
            policyName: 'TEN_SECONDLY_ROLLING',
            groupName: `publicapi:private-app:${portal.portalId}`,
          },
          429,
        ),
    }),
  );

  const objectsBase = ['/crm/v3/objects', '/crm/objects/2026-03'];

  for (const base of objectsBase) {
    app.get(`${base}/:type`, (c) => {
      const type = resolveType(c);
      const portal = c.get('portal');
      if (!type)
        return c.json(
          errorBody(portal, 'OBJECT_NOT_FOUND', `Unable to infer object type from: ${c.req.param('type')}`),
          400,
        );
      const limit = Math.min(Number(c.req.query('limit') ?? 10), 100);
      if (!Number.isInteger(limit) || limit < 1)
        return c.json(errorBody(portal, 'VALIDATION_ERROR', 'limit must be 1..100'), 400);
      const archived = c.req.query('archived') === 'true';
      const properties = splitList(c.req.queries('properties'));
      const associations = splitList(c.req.queries('associations'));
      const results: Record<string, unknown>[] = [];
      let nextAfter: string | undefined;
      for (const record of fromCursor(portal.objects[type], c.req.query('after'))) {
        if (record.archived !== archived) continue;
        if (results.length === limit) {
          nextAfter = record.id;
          break;
        }
        results.push(serialize(portal, type, record, properties, associations));
      }
      const body: Record<string, unknown> = { results };
      if (nextAfter) {
        const link = new URL(c.req.url);
        link.searchParams.set('after', nextAfter);
        body.paging = { next: { after: nextAfter, link: link.toString() } };
      }
      return c.json(body);
    });

    app.get(`${base}/:type/:id`, (c) => {
      const type = resolveType(c);
      const portal = c.get('portal');
      if (!type) return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'unknown object type'), 400);
      const idProperty = c.req.query('idProperty');
      const wantArchived = c.req.query('archived') === 'true';
      const id = c.req.param('id');
      const record = idProperty
        ? [...portal.objects[type].values()].find((r) => r.properties[idProperty] === id)
        : portal.objects[type].get(id);
      if (!record || record.archived !== wantArchived)
        return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'resource not found'), 404);
      return c.json(
        serialize(
          portal,
          type,
          record,
          splitList(c.req.queries('properties')),
          splitList(c.req.queries('associations')),
        ),
      );
    });

    app.post(`${base}/:type/search`, async (c) => {
      const type = resolveType(c);
      const portal = c.get('portal');
      if (!type) return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'unknown object type'), 400);
      if (!portal.searchWindow.take().allowed) {
        return c.json(
          {
            status: 'error',
            message: 'You have reached your secondly limit.',
            correlationId: portal.correlationId(),
            category: 'RATE_LIMITS',
          },
          429,
        );
      }
      const body = (await c.req.json().catch(() => null)) as {
        filterGroups?: { filters?: Filter[] }[];
        sorts?: (string | { propertyName: string; direction?: string })[];
        properties?: string[];
        limit?: number;
        after?: string | number;
      } | null;
      if (!body) return c.json(errorBody(portal, 'VALIDATION_ERROR', 'Invalid input JSON on line 1'), 400);
      const limit = body.limit ?? 10;
      if (limit > 200)
        return c.json(errorBody(portal, 'VALIDATION_ERROR', 'limit must be less than or equal to 200'), 400);
      const offset = Number(body.after ?? 0);
      if (offset + limit > 10_000) {
        return c.json(
          errorBody(portal, 'VALIDATION_ERROR', 'There was a problem with the request.', {
            errors: [
              {
                message: 'Search results are limited to 10,000 total results for any given query.',
                code: 'INVALID_SEARCH_PAGINATION',
              },
            ],
          }),
          400,
        );
      }
      const groups = body.filterGroups ?? [];
      let hits: HsRecord[];
      try {
        hits = [...portal.objects[type].values()].filter(
          (r) =>
            !r.archived &&
            (groups.length === 0 || groups.some((g) => (g.filters ?? []).every((f) => matches(r, f)))),
        );
      } catch (err) {
        return c.json(errorBody(portal, 'VALIDATION_ERROR', (err as Error).message), 400);
      }
      const sorts = (body.sorts ?? []).map((s) =>
        typeof s === 'string'
          ? { propertyName: s.replace(/^-/, ''), direction: s.startsWith('-') ? 'DESCENDING' : 'ASCENDING' }
          : { propertyName: s.propertyName, direction: s.direction ?? 'ASCENDING' },
      );
      hits.sort((a, b) => {
        for (const s of sorts) {
          const d =
            compare(s.propertyName, a.properties[s.propertyName] ?? '', b.properties[s.propertyName] ?? '') ??
            0;
          if (d !== 0) return s.direction === 'DESCENDING' ? -d : d;
        }
        return Number(a.id) - Number(b.id);
      });
      const page = hits.slice(offset, offset + limit);
      const result: Record<string, unknown> = {
        total: hits.length,
        results: page.map((r) => serialize(portal, type, r, body.properties ?? [])),
      };
      if (offset + limit < hits.length) result.paging = { next: { after: String(offset + limit) } };
      return c.json(result);
    });

    app.post(`${base}/:type`, async (c) => {
      const type = resolveType(c);
      const portal = c.get('portal');
      if (!type) return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'unknown object type'), 400);
      const body = (await c.req.json().catch(() => null)) as {
        properties?: Record<string, string | null>;
        associations?: {
          to?: { id?: string | number };
          types?: { associationCategory?: string; associationTypeId?: number }[];
        }[];
      } | null;
      const problem =
        validateProperties(portal, type, body?.properties) ?? validateCreate(portal, type, body!.properties!);
      if (problem) return c.json(problem, 400);
      const links: { to: HsObjectType; id: string }[] = [];
      for (const a of body?.associations ?? []) {
        for (const t of a.types ?? []) {
          const kind = associationTypeIds[Number(t.associationTypeId)];
          const id = String(a.to?.id ?? '');
          if (!kind || kind.from !== type || !portal.objects[kind.to].get(id)) {
            return c.json(
              errorBody(portal, 'VALIDATION_ERROR', `invalid association ${t.associationTypeId} to ${id}`),
              400,
            );
          }
          links.push({ to: kind.to, id });
        }
      }
      const record = portal.create(type, withDefaults(type, stringify(body!.properties!)));
      for (const link of links) portal.associate(type, record.id, link.to, link.id);
      return c.json(serialize(portal, type, record, Object.keys(body!.properties!)), 201);
    });

    app.patch(`${base}/:type/:id`, async (c) => {
      const type = resolveType(c);
      const portal = c.get('portal');
      if (!type) return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'unknown object type'), 400);
      const body = (await c.req.json().catch(() => null)) as {
        properties?: Record<string, string | null>;
      } | null;
      const problem =
        validateProperties(portal, type, body?.properties) ??
        validatePipeline(portal, type, body!.properties!, portal.objects[type].get(c.req.param('id')));
      if (problem) return c.json(problem, 400);
      const record = portal.update(type, c.req.param('id'), stringify(body!.properties!));
      if (!record) return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'resource not found'), 404);
      return c.json(serialize(portal, type, record, Object.keys(body!.properties!)));
    });

    app.delete(`${base}/:type/:id`, (c) => {
      const type = resolveType(c);
      const portal = c.get('portal');
      if (!type) return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'unknown object type'), 400);
      portal.archive(type, c.req.param('id')); // HubSpot answers 204 even when already archived
      return c.body(null, 204);
    });

    app.post(`${base}/:type/batch/:action`, async (c) => batch(c, sandbox));
  }

  app.get('/crm/v3/pipelines/:objectType', (c) => {
    const portal = c.get('portal');
    if (objectTypeAliases[c.req.param('objectType')] !== 'deals')
      return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'pipelines are kept for deals only'), 404);
    return c.json({ results: portal.pipelines.filter((p) => !p.archived) });
  });

  app.get('/crm/v3/pipelines/:objectType/:pipelineId', (c) => {
    const portal = c.get('portal');
    const pipeline = portal.pipelines.find((p) => p.id === c.req.param('pipelineId') && !p.archived);
    if (objectTypeAliases[c.req.param('objectType')] !== 'deals' || !pipeline)
      return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'resource not found'), 404);
    return c.json(pipeline);
  });

  app.post('/crm/v3/pipelines/:objectType', async (c) => {
    const portal = c.get('portal');
    if (objectTypeAliases[c.req.param('objectType')] !== 'deals')
      return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'pipelines are kept for deals only'), 404);
    const body = (await c.req.json().catch(() => null)) as {
      label?: string;
      displayOrder?: number;
      stages?: { label?: string; displayOrder?: number; metadata?: Record<string, string> }[];
    } | null;
    if (!body?.label || !body.stages?.length || body.stages.some((st) => !st.label))
      return c.json(
        errorBody(portal, 'VALIDATION_ERROR', 'a pipeline needs a label and labelled stages'),
        400,
      );
    if (portal.pipelines.some((p) => !p.archived && p.label === body.label))
      return c.json(
        errorBody(portal, 'VALIDATION_ERROR', `A pipeline with label ${body.label} already exists`),
        409,
      );
    const pipeline = portal.createPipeline({
      label: body.label,
      displayOrder: body.displayOrder,
      stages: body.stages.map((st) => ({
        label: st.label!,
        displayOrder: st.displayOrder,
        metadata: st.metadata,
      })),
    });
    return c.json(pipeline, 201);
  });

  // Every property of a type, archived ones left out (HubSpot lists those only with archived=true).
  app.get('/crm/v3/properties/:objectType', (c) => {
    const portal = c.get('portal');
    const type = objectTypeAliases[c.req.param('objectType')];
    if (!type)
      return c.json(
        errorBody(
          portal,
          'OBJECT_NOT_FOUND',
          `Unable to infer object type from: ${c.req.param('objectType')}`,
        ),
        400,
      );
    if (c.req.query('archived') === 'true') return c.json({ results: [] });
    return c.json({
      results: [...portal.properties[type]].map((name) => portal.propertyDefinition(type, name)!),
    });
  });

  app.get('/crm/v3/properties/:objectType/:propertyName', (c) => {
    const portal = c.get('portal');
    const type = objectTypeAliases[c.req.param('objectType')];
    const name = c.req.param('propertyName');
    const definition = type && portal.propertyDefinition(type, name);
    if (!definition)
      return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', `Unable to find property ${name}`), 404);
    return c.json(definition);
  });

  app.post('/crm/v3/properties/:objectType', async (c) => {
    const portal = c.get('portal');
    const type = objectTypeAliases[c.req.param('objectType')];
    if (!type) return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'unknown object type'), 404);
    const body = (await c.req.json().catch(() => null)) as {
      name?: string;
      label?: string;
      type?: string;
      fieldType?: string;
      groupName?: string;
      hasUniqueValue?: boolean;
    } | null;
    if (!body?.name || !/^[a-z][a-z0-9_]*$/.test(body.name) || !body.label || !body.type || !body.fieldType)
      return c.json(
        errorBody(portal, 'VALIDATION_ERROR', 'name (lower case), label, type and fieldType are required'),
        400,
      );
    if (portal.properties[type].has(body.name))
      return c.json(
        errorBody(portal, 'OBJECT_ALREADY_EXISTS', `A property named '${body.name}' already exists.`),
        409,
      );
    return c.json(
      portal.createProperty(type, {
        name: body.name,
        label: body.label,
        type: body.type,
        fieldType: body.fieldType,
        groupName: body.groupName ?? `${type.slice(0, -1)}information`,
        hasUniqueValue: Boolean(body.hasUniqueValue),
      }),
      201,
    );
  });

  // The client library asks for `/crm/v3/owners/` (trailing slash); HubSpot answers both.
  app.get('/crm/v3/owners/', (c) => ownersPage(c));
  app.get('/crm/v3/owners', (c) => ownersPage(c));

  app.post('/crm/v4/associations/:from/:to/batch/read', async (c) => {
    const portal = c.get('portal');
    const from = objectTypeAliases[c.req.param('from')];
    const to = objectTypeAliases[c.req.param('to')];
    if (!from || !to) return c.json(errorBody(portal, 'VALIDATION_ERROR', 'unknown object type'), 400);
    const body = (await c.req.json().catch(() => null)) as { inputs?: { id: string }[] } | null;
    const inputs = body?.inputs ?? [];
    if (inputs.length > 1000)
      return c.json(errorBody(portal, 'VALIDATION_ERROR', 'at most 1000 inputs'), 400);
    const startedAt = new Date().toISOString();
    const results = [];
    for (const input of inputs) {
      const record = portal.objects[from].get(String(input.id));
      if (!record) continue;
      const ids = [...record.associations[to]];
      if (!ids.length) continue;
      results.push({
        from: { id: record.id },
        to: ids.map((id) => ({
          toObjectId: Number(id),
          associationTypes: [
            {
              category: 'HUBSPOT_DEFINED',
              typeId: defaultTypeId(from, to),
              label: null,
            },
          ],
        })),
      });
    }
    return c.json({ status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() });
  });

  // Labelled or default associations between existing records, both directions at once; an
  // association that exists already is left as it is (HubSpot answers the same). Assumption: an
  // unknown or archived record fails the whole batch with 400, as HubSpot does for an invalid id.
  app.post('/crm/v4/associations/:from/:to/batch/create', async (c) => {
    const portal = c.get('portal');
    const from = objectTypeAliases[c.req.param('from')];
    const to = objectTypeAliases[c.req.param('to')];
    if (!from || !to) return c.json(errorBody(portal, 'VALIDATION_ERROR', 'unknown object type'), 400);
    const body = (await c.req.json().catch(() => null)) as {
      inputs?: { from?: { id?: string }; to?: { id?: string }; types?: unknown[] }[];
    } | null;
    const inputs = body?.inputs ?? [];
    if (inputs.length > 2000)
      return c.json(errorBody(portal, 'VALIDATION_ERROR', 'at most 2000 inputs'), 400);
    const startedAt = new Date().toISOString();
    for (const input of inputs) {
      const fromId = String(input.from?.id ?? '');
      const toId = String(input.to?.id ?? '');
      const live = (type: HsObjectType, id: string) => {
        const record = portal.objects[type].get(id);
        return record !== undefined && !record.archived;
      };
      if (!live(from, fromId) || !live(to, toId) || !input.types?.length)
        return c.json(
          errorBody(portal, 'VALIDATION_ERROR', `invalid association ${from}/${fromId} to ${to}/${toId}`),
          400,
        );
    }
    const results = inputs.map((input) => {
      portal.associate(from, String(input.from!.id), to, String(input.to!.id));
      return {
        fromObjectTypeId: from,
        fromObjectId: Number(input.from!.id),
        toObjectTypeId: to,
        toObjectId: Number(input.to!.id),
        labels: [],
      };
    });
    return c.json({ status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() }, 201);
  });

  // One record's associations of one type, paged by the associated id (`after` is the next id to
  // return, as for object lists; HubSpot's default and maximum page is 500).
  app.get('/crm/v4/objects/:from/:id/associations/:to', (c) => {
    const portal = c.get('portal');
    const from = objectTypeAliases[c.req.param('from')];
    const to = objectTypeAliases[c.req.param('to')];
    if (!from || !to) return c.json(errorBody(portal, 'VALIDATION_ERROR', 'unknown object type'), 400);
    const limit = Math.min(Number(c.req.query('limit') ?? 500), 500);
    if (!Number.isInteger(limit) || limit < 1)
      return c.json(errorBody(portal, 'VALIDATION_ERROR', 'limit must be 1..500'), 400);
    const record = portal.objects[from].get(c.req.param('id'));
    // Assumption: an unknown or archived record has no associations (HubSpot answers 200, empty).
    const ids =
      record && !record.archived ? [...record.associations[to]].sort((a, b) => Number(a) - Number(b)) : [];
    const after = Number(c.req.query('after') ?? 0);
    const rest = ids.filter((id) => Number(id) >= after);
    const page = rest.slice(0, limit);
    const body: Record<string, unknown> = {
      results: page.map((id) => ({
        toObjectId: Number(id),
        associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: defaultTypeId(from, to), label: null }],
      })),
    };
    if (rest.length > limit) {
      const link = new URL(c.req.url);
      link.searchParams.set('after', rest[limit]!);
      body.paging = { next: { after: rest[limit]!, link: link.toString() } };
    }
    return c.json(body);
  });

  // Anything else is HubSpot's JSON 404, never a bare text page (registered last: routes above win).
  app.all('*', (c) =>
    c.json(
      errorBody(c.get('portal'), 'OBJECT_NOT_FOUND', `Unable to route ${c.req.method} ${c.req.path}`),
      404,
    ),
  );

  return app;
}

/** The HubSpot-defined (unlabelled) association type id from one object type to another. */
function defaultTypeId(from: HsObjectType, to: HsObjectType): number {
  for (const [id, kind] of Object.entries(associationTypeIds))
    if (kind.from === from && kind.to === to) return Number(id);
  return 1;
}

function ownersPage(c: Context<Env>) {
  const portal = c.get('portal');
  const limit = Math.min(Number(c.req.query('limit') ?? 100), 500);
  const after = Number(c.req.query('after') ?? 0);
  const archived = c.req.query('archived') === 'true';
  const all = [...portal.owners.values()].filter((o) => o.archived === archived);
  const page = all.slice(after, after + limit);
  const body: Record<string, unknown> = { results: page.map((o) => ({ ...o, teams: [] })) };
  if (after + limit < all.length) body.paging = { next: { after: String(after + limit) } };
  return c.json(body);
}

function stringify(props: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(props)) out[k] = v === null || v === undefined ? null : String(v);
  return out;
}

function validateProperties(portal: HubSpotPortal, type: HsObjectType, props: unknown) {
  if (!props || typeof props !== 'object') {
    return errorBody(portal, 'VALIDATION_ERROR', 'Invalid input JSON: properties is required');
  }
  const unknown = Object.keys(props).filter((k) => !portal.properties[type].has(k));
  if (unknown.length) {
    return errorBody(portal, 'VALIDATION_ERROR', `Property values were not valid: ${unknown.join(', ')}`, {
      errors: unknown.map((name) => ({
        message: `Property "${name}" does not exist`,
        code: 'PROPERTY_DOESNT_EXIST',
        context: { propertyName: [name] },
      })),
    });
  }
  return null;
}

/** A deal names a pipeline that exists and one of its stages (when it names either). */
function validatePipeline(
  portal: HubSpotPortal,
  type: HsObjectType,
  props: Record<string, unknown>,
  existing?: HsRecord,
) {
  if (type !== 'deals' || !('pipeline' in props || 'dealstage' in props)) return null;
  const pipelineId = String(props.pipeline ?? existing?.properties.pipeline ?? 'default');
  const pipeline = portal.pipelines.find((p) => p.id === pipelineId && !p.archived);
  if (!pipeline)
    return errorBody(portal, 'VALIDATION_ERROR', `${pipelineId} is not a valid pipeline ID`, {
      errors: [{ message: `${pipelineId} is not a valid pipeline ID`, code: 'INVALID_OPTION' }],
    });
  const stage = props.dealstage ?? existing?.properties.dealstage;
  if (stage !== null && stage !== undefined && !pipeline.stages.some((st) => st.id === String(stage)))
    return errorBody(
      portal,
      'VALIDATION_ERROR',
      `${String(stage)} is not a valid stage of pipeline ${pipeline.id}`,
      { errors: [{ message: `${String(stage)} is not a valid dealstage`, code: 'INVALID_OPTION' }] },
    );
  return null;
}

function validateCreate(portal: HubSpotPortal, type: HsObjectType, props: Record<string, unknown>) {
  if (type === 'tasks' && !props.hs_timestamp)
    return errorBody(portal, 'VALIDATION_ERROR', 'Property values were not valid: hs_timestamp is required', {
      errors: [{ message: 'hs_timestamp is required', code: 'REQUIRED_PROPERTY' }],
    });
  return validatePipeline(portal, type, props);
}

/** What HubSpot fills in on create when the caller leaves it out. */
function withDefaults(
  type: HsObjectType,
  props: Record<string, string | null>,
): Record<string, string | null> {
  if (type === 'tasks') return { hs_task_status: 'NOT_STARTED', hs_task_priority: 'NONE', ...props };
  if (type === 'deals' && props.dealstage !== undefined && props.pipeline === undefined)
    return { pipeline: 'default', ...props };
  return props;
}

type BatchInput = {
  id?: string;
  idProperty?: string;
  objectWriteTraceId?: string;
  properties?: Record<string, unknown>;
};

async function batch(c: Context<Env>, _sandbox: HubSpotSandbox) {
  const portal = c.get('portal');
  const type = resolveType(c);
  if (!type) return c.json(errorBody(portal, 'OBJECT_NOT_FOUND', 'unknown object type'), 400);
  const action = c.req.param('action');
  const body = (await c.req.json().catch(() => null)) as {
    inputs?: BatchInput[];
    properties?: string[];
    idProperty?: string;
  } | null;
  const inputs = body?.inputs ?? [];
  if (inputs.length > 100)
    return c.json(errorBody(portal, 'VALIDATION_ERROR', 'Batch size limit is 100'), 400);
  const startedAt = new Date().toISOString();
  if (action === 'upsert') return upsert(c, portal, type, inputs, startedAt);
  const results: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const input of inputs) {
    if (action === 'read') {
      const id = String(input.id);
      const record = body?.idProperty
        ? [...portal.objects[type].values()].find((r) => r.properties[body.idProperty!] === id)
        : portal.objects[type].get(id);
      if (record && !record.archived) results.push(serialize(portal, type, record, body?.properties ?? []));
      else
        errors.push({
          status: 'error',
          category: 'OBJECT_NOT_FOUND',
          message: `Could not get some ${type} objects, they may be deleted or not exist.`,
          context: { ids: [id] },
        });
      continue;
    }
    if (action === 'archive') {
      portal.archive(type, String(input.id));
      continue;
    }
    const problem = validateProperties(portal, type, input.properties);
    if (problem) {
      errors.push(problem);
      continue;
    }
    const props = stringify(input.properties!);
    if (action === 'create') {
      const invalid = validateCreate(portal, type, props);
      if (invalid) {
        errors.push(invalid);
        continue;
      }
      results.push(
        serialize(portal, type, portal.create(type, withDefaults(type, props)), Object.keys(props)),
      );
    } else if (action === 'update') {
      const invalid = validatePipeline(portal, type, props, portal.objects[type].get(String(input.id)));
      if (invalid) {
        errors.push(invalid);
        continue;
      }
      const record = portal.update(type, String(input.id), props);
      if (record) results.push(serialize(portal, type, record, Object.keys(props)));
      else errors.push(errorBody(portal, 'OBJECT_NOT_FOUND', `Object ${input.id} not found`));
    } else {
      return c.json(errorBody(portal, 'VALIDATION_ERROR', `unknown batch action ${action}`), 404);
    }
  }
  if (action === 'archive') return c.body(null, 204);
  const completedAt = new Date().toISOString();
  if (errors.length)
    return c.json(
      { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt },
      207,
    );
  return c.json({ status: 'COMPLETE', results, startedAt, completedAt }, action === 'create' ? 201 : 200);
}

/**
 * Batch upsert by a unique property. Assumptions, from HubSpot's documentation of
 * objectWriteTraceId: without a trace id on every input the batch is all or nothing (one invalid
 * input fails the call with 400 and nothing is written); with one on every input each input
 * stands alone, and the answer is 207 with the refused inputs under `errors`, each naming its
 * trace id in `context.objectWriteTraceId` (written results echo theirs).
 */
function upsert(
  c: Context<Env>,
  portal: HubSpotPortal,
  type: HsObjectType,
  inputs: BatchInput[],
  startedAt: string,
) {
  const traced = inputs.length > 0 && inputs.every((i) => typeof i.objectWriteTraceId === 'string');
  const seen = new Set<string>();
  const checked = [];
  for (const input of inputs) {
    const idProperty = input.idProperty ?? 'hs_object_id';
    if (!portal.uniqueProperties[type].has(idProperty))
      return c.json(
        errorBody(
          portal,
          'VALIDATION_ERROR',
          `Property ${idProperty} is not a unique identifier property of ${type}; upsert needs one.`,
        ),
        400,
      );
    const key = `${idProperty}:${input.id}`;
    if (seen.has(key))
      return c.json(
        errorBody(portal, 'VALIDATION_ERROR', `Duplicate IDs found in batch input: [${input.id}]`),
        400,
      );
    seen.add(key);
    const existing = [...portal.objects[type].values()].find(
      (r) => !r.archived && r.properties[idProperty] === String(input.id),
    );
    let problem = validateProperties(portal, type, input.properties);
    const props = problem ? {} : stringify(input.properties!);
    problem ??= existing
      ? validatePipeline(portal, type, props, existing)
      : validateCreate(portal, type, props);
    checked.push({ input, idProperty, existing, props, problem });
  }
  const refused = checked.filter((x) => x.problem);
  if (refused.length && !traced) {
    const first = refused[0]!.problem!;
    return c.json(
      errorBody(portal, 'VALIDATION_ERROR', String(first.message), {
        errors: refused.flatMap((x) => (x.problem!.errors as unknown[] | undefined) ?? []),
      }),
      400,
    );
  }
  const results: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const { input, idProperty, existing, props, problem } of checked) {
    const trace = input.objectWriteTraceId;
    if (problem) {
      // HubSpot's StandardError: status, category, message, context, errors, links.
      errors.push({
        status: 'error',
        category: problem.category,
        message: problem.message,
        context: { objectWriteTraceId: [trace!] },
        errors: (problem.errors as unknown[] | undefined) ?? [],
        links: {},
      });
      continue;
    }
    const written = [...Object.keys(props), idProperty];
    const record = existing
      ? portal.update(type, existing.id, props)!
      : portal.create(type, withDefaults(type, { ...props, [idProperty]: String(input.id) }));
    results.push({
      ...serialize(portal, type, record, written),
      new: !existing,
      ...(trace === undefined ? {} : { objectWriteTraceId: trace }),
    });
  }
  const completedAt = new Date().toISOString();
  if (errors.length)
    return c.json(
      { status: 'COMPLETE', results, numErrors: errors.length, errors, startedAt, completedAt },
      207,
    );
  return c.json({ status: 'COMPLETE', results, startedAt, completedAt });
}
