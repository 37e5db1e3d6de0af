// What each documented route accepts as a body, read from the OpenAPI registry the routes were
// declared in: JSON (and its byte limit), a file the route streams itself, or nothing declared.
// The request middleware looks a request up here; the document's decoration reads the same table.
import { jsonBodyBytes, limits } from './limits.ts';

export interface RouteBody {
  method: string;
  /** The OpenAPI path template, /v1/connections/{id}/schedule. */
  path: string;
  kind: 'json' | 'stream' | 'none';
  required: boolean;
  maxBytes: number;
  pattern: RegExp;
  params: number;
}

interface RouteDefinition {
  type: string;
  route?: {
    method: string;
    path: string;
    request?: { body?: { required?: boolean; content?: Record<string, unknown> } };
  };
}

const isJson = (mediaType: string) => /^application\/([\w.-]+\+)?json$/i.test(mediaType);

export function routeBodies(definitions: readonly unknown[]): RouteBody[] {
  const out: RouteBody[] = [];
  for (const d of definitions as RouteDefinition[]) {
    if (d.type !== 'route' || !d.route) continue;
    const { method, path, request } = d.route;
    const types = Object.keys(request?.body?.content ?? {});
    const kind = types.length === 0 ? 'none' : types.every(isJson) ? 'json' : 'stream';
    const segments = path.split('/').map((s) => (/^\{.+\}$/.test(s) ? '[^/]+' : escapeRegExp(s)));
    out.push({
      method: method.toUpperCase(),
      path,
      kind,
      required: request?.body?.required ?? false,
      maxBytes: kind === 'json' ? jsonBodyBytes(method, path) : limits.rawBodyBytes,
      pattern: new RegExp(`^${segments.join('/')}$`),
      params: segments.filter((s) => s === '[^/]+').length,
    });
  }
  // A literal segment wins over a parameter, as the routers decide (/v1/policies/bulk before {id}).
  return out.sort((a, b) => a.params - b.params);
}

export function findRoute(table: readonly RouteBody[], method: string, path: string): RouteBody | undefined {
  return table.find((r) => r.method === method && r.pattern.test(path));
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
