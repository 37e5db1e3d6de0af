// Cross-system merge and conflicts, connection health, and a typed outbox.
// - clients get the agency's lookup code (the key AMS and CRM share) and match indexes;
// - merge rules per tenant, entity and field (source priority, latest wins, or manual);
// - conflicts, one open per entity field, decided by a person or by the fallback at a deadline;
// - connections remember since when they have been failing, to pause them after days of it;
// - the outbox rows carry an event type and a small payload, so sync, conflict and connection
//   events travel the same ordered path as entity changes.
import { Migration } from '@mikro-orm/migrations';

export class MergeConflictsOutbox extends Migration {
  override name = '0002-merge-conflicts-outbox';

  override up(): void {
    this.addSql(`
alter table clients add column lookup_code text;
create index clients_tenant_lookup on clients (tenant_id, lookup_code) where deleted_at is null;
create index clients_tenant_email on clients (tenant_id, email) where deleted_at is null;
create index producers_tenant_email on producers (tenant_id, email) where deleted_at is null;

create table merge_rules (
  tenant_id uuid not null references tenants(id) on delete cascade,
  entity_type text not null,
  field text not null, -- '*' for every field of the entity
  strategy text not null check (strategy in ('latest', 'priority', 'manual')),
  -- Providers or connection ids, most trusted first (strategy 'priority', and the fallback order).
  source_priority text[] not null default '{}',
  -- For 'manual': how long a conflict waits for a person before the fallback decides.
  decision_window_seconds integer not null default 259200,
  fallback text not null default 'latest' check (fallback in ('latest', 'priority')),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, entity_type, field)
);

create table conflicts (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  entity_type text not null,
  entity_id uuid not null,
  field text not null,
  status text not null default 'open' check (status in ('open', 'resolved')),
  current_value jsonb,
  current_source jsonb,
  incoming_value jsonb,
  incoming_source jsonb not null,
  opened_at timestamptz not null default now(),
  deadline_at timestamptz not null,
  resolved_at timestamptz,
  resolved_by text check (resolved_by in ('user', 'deadline', 'rule')),
  resolution text check (resolution in ('current', 'incoming', 'value')),
  resolved_value jsonb,
  workflow_started boolean not null default false
);
create unique index conflicts_one_open_per_field on conflicts (entity_id, field) where status = 'open';
create index conflicts_tenant_status on conflicts (tenant_id, status, opened_at);

alter table connections add column failing_since timestamptz;

alter table change_events drop constraint change_events_op_check;
alter table change_events alter column op drop not null;
alter table change_events add constraint change_events_op_check check (op in ('created', 'updated', 'deleted'));
alter table change_events add column type text;
update change_events set type = entity_type || '.' || op;
alter table change_events alter column type set not null;
alter table change_events add column data jsonb;
create index change_events_tenant_type on change_events (tenant_id, type, seq);
`);
  }
}
