// API keys resolved in the last few seconds, so a busy client costs no key lookup and no
// "last used" write per request. A key revoked through this process stops at once; another API
// process keeps accepting it for at most KEY_TTL_MS (the usual trade of an auth cache). Unknown
// keys are never cached: a flood of random keys cannot grow the map.

import type { Pool } from '../db/pool.ts';
import { type ApiKeyOwner, findApiKey, hashApiKey } from '../db/tenant-store.ts';

const KEY_TTL_MS = 10_000;
const LAST_USED_EVERY_MS = 60_000;
const MAX_ENTRIES = 10_000;

interface Entry {
  owner: ApiKeyOwner;
  fetchedAt: number;
}

export class ApiKeyCache {
  private readonly entries = new Map<string, Entry>();
  /** When this process last wrote last_used_at, per key id. */
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly pool: Pool;
  constructor(pool: Pool) {
    this.pool = pool;
  }

  async resolve(key: string): Promise<ApiKeyOwner | null> {
    const hash = hashApiKey(key);
    const now = Date.now();
    const hit = this.entries.get(hash);
    let owner = hit && now - hit.fetchedAt < KEY_TTL_MS ? hit.owner : null;
    if (!owner) {
      this.entries.delete(hash);
      owner = await findApiKey(this.pool, key);
      if (!owner) return null;
      if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(hash, { owner, fetchedAt: now });
    }
    this.touch(owner.apiKeyId, now);
    return owner;
  }

  /** Revoked here: gone from this process's cache now. */
  forget(apiKeyId: string): void {
    for (const [hash, entry] of this.entries)
      if (entry.owner.apiKeyId === apiKeyId) this.entries.delete(hash);
  }

  // "Last used" to the minute: one write a minute per key and process, never on the request's path.
  private touch(apiKeyId: string, now: number): void {
    if (now - (this.lastUsedWritten.get(apiKeyId) ?? 0) < LAST_USED_EVERY_MS) return;
    this.lastUsedWritten.set(apiKeyId, now);
    if (this.lastUsedWritten.size > MAX_ENTRIES) this.lastUsedWritten.clear();
    void this.pool
      .query(
        `update api_keys set last_used_at = now() where id = $1 and (last_used_at is null or last_used_at < now() - interval '1 minute')`,
        [apiKeyId],
      )
      .catch(() => {});
  }
}
