// The API's frame: a restricted database role the API works as, with row-level security on every
// tenant-scoped table as a second wall behind the queries' own tenant filters; idempotency keys;
// a sliding-window rate-limit counter shared by all API processes; the audit log of API calls;
// console users and their rotating refresh tokens.
import { Migration } from '@mikro-orm/migrations';

const tenantTables = [
  'api_keys',
  'connections',
  'connection_streams',
  'sync_runs',
  'source_records',
  'quarantined_records',
  'clients',
  'carriers',
  'producers',
  'policies',
  'policy_transactions',
  'change_events',
  'merge_rules',
  'conflicts',
  'commission_rules',
  'split_plans',
  'expected_commissions',
  'statement_mappings',
  'statements',
  'statement_lines',
  'policy_aliases',
  'idempotency_keys',
  'audit_log',
  'console_users',
];

export class ApiFrame extends Migration {
  override name = '0004-api-frame';

  override up(): void {
    this.addSql(
      `
create table idempotency_keys (
  tenant_id uuid not null references tenants(id) on delete cascade,
  key text not null,
  method text not null,
  path text not null,
  body_hash text not null,
  state text not null default 'in_progress' check (state in ('in_progress', 'done')),
  status integer,
  response_body text,
  response_type text,
  created_at timestamptz not null default now(),
  primary key (tenant_id, key)
);

create table rate_limit_windows (
  bucket text not null,
  window_start timestamptz not null,
  hits integer not null default 0,
  primary key (bucket, window_start)
);

create table audit_log (
  id bigint generated always as identity primary key,
  tenant_id uuid not null references tenants(id) on delete cascade,
  actor text not null,
  method text not null,
  path text not null,
  status integer not null,
  request_id text not null,
  duration_ms integer not null,
  at timestamptz not null default now()
);
create index audit_log_tenant_at on audit_log (tenant_id, at desc);

create table console_users (
  id uuid primary key default gen_random_uuid(),
  tenant_id uuid not null references tenants(id) on delete cascade,
  email text not null unique,
  password_hash text not null,
  scopes text[] not null default '{*}',
  created_at timestamptz not null default now()
);

create table refresh_tokens (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references console_users(id) on delete cascade,
  family_id uuid not null,
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  revoked_at timestamptz,
  created_at timestamptz not null default now()
);
create index refresh_tokens_family on refresh_tokens (family_id);

-- The API's role: no superuser, no owner, so row-level security applies to it.
do $$ begin
  if not exists (select from pg_roles where rolname = 'chub_app') then
    create role chub_app nologin;
  end if;
end $$;
grant usage on schema public to chub_app;
grant select, insert, update, delete on all tables in schema public to chub_app;
grant usage, select on all sequences in schema public to chub_app;
-- Tables and sequences of later migrations are the API's to use as well.
alter default privileges in schema public grant select, insert, update, delete on tables to chub_app;
alter default privileges in schema public grant usage, select on sequences to chub_app;
grant select on tenants to chub_app;
` +
        tenantTables
          .map(
            (t) => `
alter table ${t} enable row level security;
create policy ${t}_tenant on ${t} to chub_app
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);`,
          )
          .join('\n'),
    );
  }
}
