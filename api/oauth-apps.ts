// Where each vendor is reached and which OAuth app the hub uses with it. Production sets
// `<PROVIDER>_BASE_URL` (API root), `<PROVIDER>_AUTH_BASE_URL` (authorize/token host) and
// `<PROVIDER>_CLIENT_ID` / `<PROVIDER>_CLIENT_SECRET` (the provider id upper-cased, dashes as underscores). In
// development the vendor sandboxes stand in: their URL, and the demo accounts' apps listed in
// .data/sandboxes.json, so the console's Connect buttons work out of the box.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registered } from '../connectors/registry.ts';
import type { AuthSpec, ProviderId } from '../connectors/types.ts';
import { config, dataDir, sandboxUrl } from '../runtime/config.ts';

export type AuthCodeSpec = Extract<AuthSpec, { kind: 'oauth2_authorization_code' }>;

function envPrefix(provider: string): string {
  return provider.toUpperCase().replace(/-/g, '_');
}

/** The vendor's authorization-code spec, if it connects by OAuth redirect. */
export function authCodeSpec(provider: ProviderId): AuthCodeSpec | undefined {
  return registered(provider).connector.definition.auth.find(
    (a): a is AuthCodeSpec => a.kind === 'oauth2_authorization_code',
  );
}

export function providerEndpoints(
  provider: ProviderId,
  env: NodeJS.ProcessEnv = process.env,
): { baseUrl: string; authBaseUrl: string } {
  const prefix = envPrefix(provider);
  const sandbox = (env.SANDBOX_URL ?? sandboxUrl()).replace(/\/$/, '');
  const baseUrl = (env[`${prefix}_BASE_URL`] ?? `${sandbox}${registered(provider).sandboxPrefix}`).replace(
    /\/$/,
    '',
  );
  return { baseUrl, authBaseUrl: (env[`${prefix}_AUTH_BASE_URL`] ?? baseUrl).replace(/\/$/, '') };
}

/** The hub's OAuth client at the vendor: from the environment, else (not in production) the demo sandbox's. */
export function oauthApp(
  provider: ProviderId,
  env: NodeJS.ProcessEnv = process.env,
): { clientId: string; clientSecret: string } | null {
  const prefix = envPrefix(provider);
  const clientId = env[`${prefix}_CLIENT_ID`];
  const clientSecret = env[`${prefix}_CLIENT_SECRET`];
  if (clientId && clientSecret) return { clientId, clientSecret };
  if ((env.NODE_ENV ?? config().NODE_ENV) === 'production') return null;
  const file = join(dataDir(), 'sandboxes.json');
  if (!existsSync(file)) return null;
  try {
    const described = JSON.parse(readFileSync(file, 'utf8')) as {
      sandboxes?: Record<string, { credentials?: Record<string, string> }>;
    };
    const creds = described.sandboxes?.[provider]?.credentials;
    return creds?.clientId && creds.clientSecret
      ? { clientId: creds.clientId, clientSecret: creds.clientSecret }
      : null;
  } catch {
    return null;
  }
}
