// Outbound webhooks: endpoints the agency registers, one delivery per (endpoint, outbox event),
// and every attempt with the first KB of the receiver's answer.
// - Fan-out happens in the database, in the transaction that appends the event: a statement
//   trigger on change_events inserts a pending delivery for each enabled endpoint subscribed to
//   the event's type. Nothing can slip between the change and its deliveries (no cursor to lose,
//   no gap from transactions that commit out of sequence order).
// - A delivery references its event (the payload is built from that immutable row at send time),
//   so no customer data is copied and nothing but ids travels through Temporal.
// - `next_attempt_at` is the queue: not null while work remains (a claimed delivery holds a lease
//   there), null once it succeeded or failed for good.
// - Secrets are sealed with the credentials keyring; during a rotation the previous secret (also
//   sealed) signs alongside the new one until its overlap window ends.
import { Migration } from '@mikro-orm/migrations';

export class Webhooks extends Migration {
  override name = '0007-webhooks';

  override up(): void {
    this.addSql(`
create table webhook_endpoints (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  url text not null,
  description text,
  event_types text[] not null,
  enabled boolean not null default true,
  disabled_reason text,
  disabled_at timestamptz,
  secret text not null,
  secret_key_id text not null,
  -- [{ "box": …, "key_id": …, "expires_at": ISO }]: retiring secrets that still sign.
  previous_secrets jsonb not null default '[]',
  rate_limit_per_second integer check (rate_limit_per_second > 0),
  strict_ordering boolean not null default false,
  -- Since when every attempt has failed; a success clears it. Too long disables the endpoint.
  failing_since timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index webhook_endpoints_tenant on webhook_endpoints (tenant_id) where enabled;

create table webhook_deliveries (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  endpoint_id uuid not null references webhook_endpoints(id) on delete cascade,
  event_seq bigint not null,
  event_type text not null,
  -- The webhook-id header: the same for every attempt and every endpoint of the event.
  msg_id text not null,
  status text not null default 'pending' check (status in ('pending', 'succeeded', 'failed')),
  attempts integer not null default 0,
  next_attempt_at timestamptz default now(),
  last_attempt_at timestamptz,
  last_status_code integer,
  last_response text,
  last_error text,
  created_at timestamptz not null default now(),
  finished_at timestamptz,
  unique (endpoint_id, event_seq)
);
create index webhook_deliveries_due on webhook_deliveries (endpoint_id, next_attempt_at)
  where next_attempt_at is not null;
create index webhook_deliveries_failed on webhook_deliveries (endpoint_id, created_at) where status = 'failed';

create table webhook_attempts (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references tenants(id) on delete cascade,
  delivery_id uuid not null references webhook_deliveries(id) on delete cascade,
  attempt integer not null,
  attempted_at timestamptz not null,
  outcome text not null check (outcome in ('delivered', 'retry', 'gone', 'rejected', 'blocked')),
  status_code integer,
  response_body text,
  response_truncated boolean not null default false,
  duration_ms integer not null,
  error text
);
create index webhook_attempts_delivery on webhook_attempts (delivery_id, attempt);

-- Security definer: the fan-out must see the tenant's endpoints whatever role appended the event.
create function webhook_fan_out() returns trigger language plpgsql security definer set search_path = public as $fan$
begin
  insert into webhook_deliveries (tenant_id, endpoint_id, event_seq, event_type, msg_id)
  select n.tenant_id, e.id, n.seq, n.type, 'msg_' || substr(md5(n.tenant_id::text || ':' || n.seq::text), 1, 26)
    from new_events n
    join webhook_endpoints e on e.tenant_id = n.tenant_id and e.enabled and n.type = any (e.event_types)
  on conflict (endpoint_id, event_seq) do nothing;
  return null;
end
$fan$;
create trigger change_events_webhook_fan_out after insert on change_events
  referencing new table as new_events for each statement execute function webhook_fan_out();
`);
    for (const t of ['webhook_endpoints', 'webhook_deliveries', 'webhook_attempts']) {
      this.addSql(`
alter table ${t} enable row level security;
create policy ${t}_tenant on ${t} to chub_app
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);
`);
    }
  }
}
