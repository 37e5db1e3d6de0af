// Configuration from the environment, read once and validated, so a typo fails at start-up
// with the variable's name instead of surfacing later as an undefined.
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { CODEC_TOKEN_PATTERN } from './codec-endpoint.ts';

export const projectRoot = resolve(import.meta.dirname, '..');

const port = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  DATA_DIR: z.string().default(resolve(projectRoot, '.data')),
  PORT: port.default(3000),
  SANDBOX_PORT: port.default(4010),
  /** Where the vendor sandboxes are reached; set by the supervisor or the test harness. */
  SANDBOX_URL: z.string().url().optional(),
  DATABASE_URL: z.string().optional(),
  EMBEDDED_DB_PORT: port.default(5433),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_CLI: z.string().optional(),
  TEMPORAL_PORT: port.default(7233),
  TEMPORAL_UI_PORT: port.default(8233),
  /** Prefix for task queue names, so parallel test files never steal each other's tasks. */
  TASK_QUEUE_PREFIX: z.string().default(''),
  DEMO_API_KEY: z.string().optional(),
  /** Comma-separated `keyId:base64key` pairs (32-byte AES keys); the first is used to encrypt. */
  CREDENTIALS_KEYS: z.string().optional(),
  /** Same format, for Temporal payloads. */
  PAYLOAD_KEYS: z.string().optional(),
  /** The operators' credential for the payload codec (/codec); unset, the codec is off. */
  CODEC_TOKEN: z
    .string()
    .regex(
      CODEC_TOKEN_PATTERN,
      'at least 32 URL-safe characters (A-Z a-z 0-9 _ - . ~), e.g. openssl rand -hex 32',
    )
    .optional(),
});

export type Config = z.infer<typeof envSchema>;

let cached: Config | undefined;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return parsed.data;
}

export function config(): Config {
  cached ??= loadConfig();
  return cached;
}

export function dataDir(cfg: Config = config()): string {
  mkdirSync(cfg.DATA_DIR, { recursive: true });
  return cfg.DATA_DIR;
}

export function sandboxUrl(cfg: Config = config()): string {
  return cfg.SANDBOX_URL ?? `http://127.0.0.1:${cfg.SANDBOX_PORT}`;
}
