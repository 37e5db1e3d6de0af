// What every vendor sandbox hands the sandbox server: one shape and one name for every vendor,
// so the server (and a seventh vendor) lists sandboxes instead of knowing each one.
import type { Hono } from 'hono';

export interface DemoOptions {
  seed: string;
  clients?: number;
  asOf?: string;
}

/** The demo agency's account in a sandbox, with the static development credentials it accepts. */
export interface DemoAccount {
  accountId: string;
  credentials: Record<string, string>;
}

export interface VendorSandbox<S> {
  /** Where the server mounts it (`/<provider>`); the admin API is under `<prefix>/_admin`. */
  prefix: string;
  app: Hono;
  /** The sandbox's state (accounts, tokens), for tests that reach in. */
  sandbox: S;
  /** Seeds the demo agency's account, the same for the same seed. */
  demoAccount(opts: DemoOptions): DemoAccount;
}

/** Credentials as strings, the way `.data/sandboxes.json` and the demo connections carry them. */
export const asStrings = (credentials: object): Record<string, string> =>
  Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, String(v)]));
