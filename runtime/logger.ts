// One pino logger for every process. Redaction is by key name so a secret placed in a log
// object by mistake is masked rather than written out.
import pino, { type DestinationStream, type Logger } from 'pino';
import { config } from './config.ts';

export const redactedKeys = [
  'authorization',
  'Authorization',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'clientSecret',
  'client_secret',
  'password',
  'apiKey',
  'api_key',
  'token',
  'secret',
  'credentials',
  'x-api-key',
  'cookie',
  'idToken',
  'id_token',
  'privateKey',
  'private_key',
];

/** `destination` defaults to stdout; tests pass a stream to read what was logged. */
export function createLogger(
  name: string,
  level = config().LOG_LEVEL,
  destination?: DestinationStream,
): Logger {
  const path = (k: string) => (/^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`);
  const nested = (k: string) => (path(k).startsWith('[') ? path(k) : `.${k}`);
  return pino(
    {
      name,
      level,
      redact: {
        paths: [
          ...redactedKeys.map(path),
          ...redactedKeys.map((k) => `*${nested(k)}`),
          ...redactedKeys.map((k) => `*.*${nested(k)}`),
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

export type { Logger };
