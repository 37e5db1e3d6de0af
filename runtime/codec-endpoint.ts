// The operator's way into the payload codec (api/routes/codec.ts). Temporal UI calls
// `<endpoint>/decode` and, set up by `temporal server start-dev --ui-codec-endpoint`, can send no
// header or cookie with it (an access token needs the UI's own OIDC sign-in over https). So the
// endpoint it is given ends in a query holding CODEC_TOKEN and an `op=` the UI's `/decode` lands
// in: the token stays out of the paths the API logs and traces.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** CODEC_TOKEN's form: URL-safe, so it survives a query string unencoded (compose writes it raw). */
export const CODEC_TOKEN_PATTERN = /^[\w.~-]{32,200}$/;

export function uiCodecEndpoint(apiUrl: string, token: string): string {
  return `${apiUrl.replace(/\/$/, '')}/codec?token=${encodeURIComponent(token)}&op=`;
}

/** The local operator's codec token: CODEC_TOKEN, else one made once and kept in the data folder. */
export function localCodecToken(dataDir: string, fromEnv?: string): string {
  if (fromEnv) return fromEnv;
  const file = join(dataDir, 'codec-token');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return token;
}
