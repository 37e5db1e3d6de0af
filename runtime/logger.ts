// One pino logger for every process. Redaction is by key name so a secret placed in a log
// object by mistake is masked rather than written out.
import pino, { type Logger } from 'pino';
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
];

export function createLogger(name: string, level = config().LOG_LEVEL): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [...redactedKeys, ...redactedKeys.map((k) => `*.${k}`), ...redactedKeys.map((k) => `*.*.${k}`)],
      censor: '[redacted]',
    },
  });
}

export type { Logger };
