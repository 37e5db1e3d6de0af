// The HawkSoft 6 Partner API (V3.0) as the sandbox serves it: agencies, offices, changed clients,
// single, batch and policy-number client reads, behind HTTP Basic partner credentials.
//
// ASSUMPTIONS, where HawkSoft's public documentation (partner.hawksoft.app: API overview, V3 API,
// V3 model, V3 upgrade guide) is thin. Sources are tagged as in shared/docs/insurance-domain.md §3.
//
// Wire format
// - JSON is camelCase, the way HawkSoft's .NET serialiser writes its PascalCase model: `clientNumber`,
//   `details`, `people`, `contacts`, `policies`, `claims`; acronyms fold the .NET way, so `LOBs` is
//   `loBs`, `NAIC` is `naic`, `CSR` is `csr`, `Agent1` is `agent1` [V: upgrade guide's camelCase
//   examples; W: third-party clients read `loBs[0].code`]. Offices keep the PascalCase of HawkSoft's
//   own example (`OfficeId`, `OfficeDescription`, …) [V].
// - Field names follow the V3 model [S: an OpenAPI transcription of partner.hawksoft.app/v3/model]:
//   policy `id` (GUID), `legacyId`, `modified`, `policyNumber`, `title`, `type`, `applicationType`,
//   `loBs[{code,name}]`, `carrier`, `writingCarrier`, `naic`, `effectiveDate`, `expirationDate`,
//   `inceptionDate`, `soldDate`, `status`, `statusDate`, `numberOfTerms`, `term`, `premium`,
//   `premiumMode`, `billingType`, `paymentPlan`, `policyState`, `agent1`–`agent3`, `agentCode`,
//   `officeId`, `policyIndex`. Client `details` carry `producer`, `csr` codes and `mailingAddress
//   {address1, address2, city, state, zip}` [W: third-party client code]; contacts are
//   `{type, data, priority, personId, …}` with types such as "Email" and "Cell Phone".
// - Dates are local midnight without an offset ("2025-03-01T00:00:00"); `modified` stamps are UTC
//   ISO instants. `asOf` takes any ISO date-time.
// - Without `include`, a client read returns every section but invoices; `include` (comma list,
//   any case) narrows it to those sections. `expand` is accepted and ignored: vehicles, drivers,
//   coverages and locations are not simulated.
// - Policy statuses are HawkSoft's words: New, Active, Renew, Rewrite, Cancelled, Expired,
//   Replaced, Replaced:Rewrite, Deadfiled, Void, Quote, Prospect [W: third-party code lists
//   cancelled, replaced:rewrite, replaced, expired, deadfiled, void as inactive]. A renewal is a
//   new policy entry and the renewed one turns "Replaced"; `numberOfTerms` counts the terms since
//   the policy number last changed (a rewrite restarts it). Quotes may have no policy number.
//
// Money
// - `premium` is the term's full written premium in dollars, as a JSON number (a .NET double),
//   with endorsements folded in; `premiumMode` is "Term". An agency that sets "Annualize" gets a
//   12-month equivalent instead, which the sandbox does not simulate.
// - There is no commission, transaction, statement or commission-rate data anywhere in the API
//   [V: none documented; S: confirmed by every third-party client]; Agent1–3 are only codes.
//
// Paging and limits
// - Changed clients returns every matching client number in one array (no paging), ascending.
// - A batch read takes at most 200 client numbers (`{"clientNumbers": [...]}`, numbers or numeric
//   strings) [S: api-evangelist]; more is a 400. Unknown or deleted numbers are left out of the
//   answer, not an error; a single read of one is a 404.
// - Rate limits are not published. Assumed: 300 requests per rolling minute per agency for a
//   partner (chaos `requestsPerWindow` changes it), answered with 429, a `Retry-After` header in
//   seconds and `{"code": "TooManyRequests", "message": …}`. No remaining/reset headers are sent.
//
// Errors (bodies `{code, message, details?}` as in the documented error schema)
// - 401 `Unauthorized` ("The provided credentials are invalid") for a missing or wrong Basic
//   header, with `WWW-Authenticate: Basic` [V: wording].
// - 400 `BadRequest` when `version` is not 3.0: the sandbox serves only V3.0 (real HawkSoft would
//   answer the V1 API without it) [V: version required on every V3 request].
// - 403 `Forbidden` ("The requested agency is not available to the vendor") for an agency that
//   is unknown, not subscribed, or has opted out of sharing [V: wording].
// - 404 `NotFound` for an unknown client; 400 for malformed `asOf`, `deleted`, `include` or body;
//   503 `ServiceUnavailable` when chaos fails a request.
//
// Deletes
// - A deleted client is absent from reads and from the changed-clients list, and listed there
//   (as of its deletion time) only when asked with `deleted=true`, which adds deleted clients to
//   the changed ones [V: the `deleted` parameter, "include deleted clients"].
// - A deleted policy stays on its client file with status "Void" (and a new `modified`).
import { type Context, Hono } from 'hono';
import { chaosMeter } from '../../kit/sandbox/meter.ts';
import { API_VERSION, clientSections, type HsClient, type HsInclude, MAX_BATCH } from '../client.ts';
import { DEFAULT_REQUESTS_PER_MINUTE, type HawkSoftAgency, type StoredClient } from './agency.ts';
import type { HawkSoftSandbox, Partner } from './sandbox.ts';

type Env = { Variables: { partner: Partner; agency: HawkSoftAgency } };

const defaultSections: HsInclude[] = ['details', 'people', 'contacts', 'claims', 'policies'];

function fail(c: Context, status: 400 | 401 | 403 | 404 | 429 | 503, code: string, message: string) {
  return c.json({ code, message }, status);
}

/** The sections asked for, or null when `include` names one HawkSoft does not have. */
function sections(include: string | undefined): HsInclude[] | null {
  if (include === undefined || include.trim() === '') return defaultSections;
  const asked = include
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  return asked.every((s) => (clientSections as readonly string[]).includes(s))
    ? (asked as HsInclude[])
    : null;
}

function render(client: StoredClient, include: HsInclude[]): HsClient {
  const out: HsClient = { clientNumber: client.clientNumber };
  for (const s of include) {
    if (s === 'invoices') out.invoices = [];
    else (out as unknown as Record<string, unknown>)[s] = structuredClone(client[s]);
  }
  return out;
}

/** Chaos and the rate window, in the order HawkSoft's gateway would apply them. */
const meter = chaosMeter<Env, HawkSoftAgency>({
  account: (c) => c.get('agency'),
  window: (agency) => agency.window,
  limit: () => DEFAULT_REQUESTS_PER_MINUTE,
  outage: (c) =>
    fail(c, 503, 'ServiceUnavailable', 'The service is temporarily unavailable. Please try again later.'),
  rateLimited: (c, _agency, seconds) => {
    c.header('Retry-After', String(seconds));
    return fail(c, 429, 'TooManyRequests', `Too many requests. Retry after ${seconds} seconds.`);
  },
});

export function hawksoftApi(sandbox: HawkSoftSandbox): Hono<Env> {
  const app = new Hono<Env>();

  app.use('/vendor/*', async (c, next) => {
    const partner = sandbox.authenticate(c.req.header('authorization'));
    if (!partner) {
      c.header('WWW-Authenticate', 'Basic realm="HawkSoft Partner API"');
      return fail(c, 401, 'Unauthorized', 'The provided credentials are invalid');
    }
    c.set('partner', partner);
    const version = c.req.query('version');
    if (version !== API_VERSION)
      return fail(
        c,
        400,
        'BadRequest',
        version === undefined
          ? 'The version query parameter is required: version=3.0'
          : `Unsupported API version "${version}": this API serves version=3.0`,
      );
    await next();
  });

  app.use('/vendor/agency/:agencyId/*', async (c, next) => {
    const id = Number(c.req.param('agencyId'));
    const agency = sandbox.agencies.get(id);
    if (!agency?.sharing || !c.get('partner').agencyIds.has(id))
      return fail(c, 403, 'Forbidden', 'The requested agency is not available to the vendor');
    c.set('agency', agency);
    return meter(c, next);
  });

  app.get('/vendor/agencies', (c) => c.json(sandbox.agenciesFor(c.get('partner')).map((a) => a.agencyId)));

  app.get('/vendor/agency/:agencyId/offices', (c) =>
    c.json([
      {
        OfficeId: 1,
        OfficeDescription: 'Main Office',
        SubAgencyName: c.get('agency').name,
        PrimaryOffice: true,
        AddressLine1: '100 Congress Ave',
        AddressLine2: '',
        City: 'Austin',
        State: 'TX',
        Zipcode: '78701',
      },
    ]),
  );

  app.get('/vendor/agency/:agencyId/clients', (c) => {
    const asOf = c.req.query('asOf');
    const asOfMs = asOf === undefined ? Number.NEGATIVE_INFINITY : Date.parse(asOf);
    if (Number.isNaN(asOfMs)) return fail(c, 400, 'BadRequest', `asOf is not a date-time: "${asOf}"`);
    const deleted = c.req.query('deleted');
    if (deleted !== undefined && !['true', 'false'].includes(deleted.toLowerCase()))
      return fail(c, 400, 'BadRequest', `deleted must be true or false, not "${deleted}"`);
    const officeId = c.req.query('officeId');
    const agency = c.get('agency');
    let numbers = agency.changedSince(asOfMs, deleted?.toLowerCase() === 'true');
    if (officeId !== undefined)
      numbers = numbers.filter((n) => agency.files.get(n)?.client.details.officeId === Number(officeId));
    return c.json(numbers);
  });

  app.post('/vendor/agency/:agencyId/clients', async (c) => {
    const include = sections(c.req.query('include'));
    if (!include) return fail(c, 400, 'BadRequest', `include accepts ${clientSections.join(', ')}`);
    const body = (await c.req.json().catch(() => null)) as { clientNumbers?: unknown } | null;
    const raw = body?.clientNumbers;
    const numbers = Array.isArray(raw) ? raw.map((n) => Number(n)) : null;
    if (!numbers || numbers.some((n) => !Number.isInteger(n)))
      return fail(
        c,
        400,
        'BadRequest',
        'The body must be {"clientNumbers": [...]} with whole client numbers',
      );
    if (numbers.length > MAX_BATCH)
      return fail(c, 400, 'BadRequest', `A maximum of ${MAX_BATCH} client numbers may be requested at once`);
    const agency = c.get('agency');
    const clients: HsClient[] = [];
    for (const n of new Set(numbers)) {
      const file = agency.live(n);
      if (file) clients.push(render(file.client, include));
    }
    return c.json(clients);
  });

  app.get('/vendor/agency/:agencyId/client/:clientNumber', (c) => {
    const include = sections(c.req.query('include'));
    if (!include) return fail(c, 400, 'BadRequest', `include accepts ${clientSections.join(', ')}`);
    const n = Number(c.req.param('clientNumber'));
    const file = Number.isInteger(n) ? c.get('agency').live(n) : undefined;
    if (!file) return fail(c, 404, 'NotFound', `Client ${c.req.param('clientNumber')} was not found`);
    return c.json(render(file.client, include));
  });

  app.get('/vendor/agency/:agencyId/clients/search', (c) => {
    const include = sections(c.req.query('include'));
    if (!include) return fail(c, 400, 'BadRequest', `include accepts ${clientSections.join(', ')}`);
    const policyNumber = c.req.query('policyNumber');
    if (!policyNumber) return fail(c, 400, 'BadRequest', 'policyNumber is required');
    const out: HsClient[] = [];
    for (const file of c.get('agency').files.values()) {
      if (!file.deletedAt && file.client.policies.some((p) => p.policyNumber === policyNumber))
        out.push(render(file.client, include));
    }
    return c.json(out);
  });

  return app;
}
