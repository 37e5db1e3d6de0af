// The commission a system of record already states, so an agency sees expected commissions the
// day it connects, before it types a schedule: the rate an AMS records on a policy line, the rate
// and amount it records on a transaction (or that a client sends through the API), and which
// system said so. An expected commission says where its rate came from (schedule, ams, learned,
// manual) and keeps the AMS's rate beside a schedule's, so disagreements can be listed. Rules
// accepted from what carriers actually paid are marked learned.
import { Migration } from '@mikro-orm/migrations';

export class RecordedCommissions extends Migration {
  override name = '0014-recorded-commissions';

  override up(): void {
    this.addSql(`
alter table policies
  add column commission_rate text,
  add column commission_rate_source text;
alter table policy_transactions
  add column commission_rate text,
  add column commission_cents bigint,
  add column commission_source text;
alter table expected_commissions
  add column rate_source text check (rate_source in ('schedule', 'ams', 'learned', 'manual')),
  add column recorded_rate text,
  add column recorded_source text;
alter table commission_rules
  add column source text not null default 'schedule' check (source in ('schedule', 'learned'));
update expected_commissions set rate_source = 'schedule' where rule_id is not null;
`);
  }
}
