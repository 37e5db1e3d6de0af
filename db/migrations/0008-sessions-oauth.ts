// OAuth connect and console sign-in. An authorization request's state is kept server-side (only
// its hash), single use and short-lived, with the PKCE verifier sealed beside it. Console users
// sign in by email, compared case-insensitively; refresh tokens remember which token replaced
// them, so a replayed one is recognised as reuse and its whole family revoked.
import { Migration } from '@mikro-orm/migrations';

export class SessionsOauth extends Migration {
  override name = '0008-sessions-oauth';

  override up(): void {
    this.addSql(`
create table oauth_states (
  state_hash text primary key,
  tenant_id uuid not null references tenants(id) on delete cascade,
  provider text not null,
  redirect_uri text not null,
  code_verifier text,
  code_verifier_key_id text,
  return_to text,
  actor text not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index oauth_states_expires on oauth_states (expires_at);
alter table oauth_states enable row level security;
create policy oauth_states_tenant on oauth_states to chub_app
  using (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid)
  with check (tenant_id = nullif(current_setting('app.tenant_id', true), '')::uuid);

alter table console_users add column last_sign_in_at timestamptz;
create unique index console_users_email_lower on console_users (lower(email));

alter table refresh_tokens add column replaced_by uuid;
alter table refresh_tokens add column revoked_reason text;
`);
  }
}
