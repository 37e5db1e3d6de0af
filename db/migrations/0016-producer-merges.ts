// One producer per person: every merge of two producers (by a sync, on the evidence it found, or
// by someone through the API) is recorded with who made it, on what evidence and what moved, so
// it can be split again; a split merge also keeps the two apart from then on.
import { Migration } from '@mikro-orm/migrations';

export class ProducerMerges extends Migration {
  override name = '0016-producer-merges';

  override up(): void {
    this.addSql(`
create table producer_merges (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  -- The producer merged away (kept as a tombstone) and the one that took its place.
  producer_id uuid not null references producers(id),
  into_id uuid not null references producers(id),
  evidence text not null check (evidence in ('email', 'code', 'name', 'manual')),
  merged_by text not null,
  merged_at timestamptz not null default now(),
  -- What moved, to put back on a split.
  moved jsonb not null,
  split_by text,
  split_at timestamptz,
  check (producer_id <> into_id)
);
create index producer_merges_tenant on producer_merges (tenant_id, producer_id);
create index producer_merges_into on producer_merges (into_id);
create unique index producer_merges_open on producer_merges (producer_id) where split_at is null;
alter table producer_merges enable row level security;
create policy producer_merges_tenant on producer_merges to chub_app
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
`);
  }
}
