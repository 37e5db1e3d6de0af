// A payment within the tenant's rounding tolerance settles its expected commission (the difference
// is shown, not chased). Commissions left partially paid by such a payment before this rule are
// settled once here; from now on the status is derived with the tolerance (commission-payments.ts).
import { Migration } from '@mikro-orm/migrations';

export class SettleWithinTolerance extends Migration {
  override name = '0013-settle-within-tolerance';

  override up(): void {
    this.addSql(`
update expected_commissions e set status = 'paid'
  from tenants t
 where t.id = e.tenant_id and e.status = 'partially_paid' and e.paid_cents <> 0
   and sign(e.paid_cents) = sign(e.agency_cents)
   and abs(e.agency_cents - e.paid_cents) <= coalesce(
         case when jsonb_typeof(t.settings->'reconciliationTolerances'->'amountCents') = 'number'
              then abs((t.settings->'reconciliationTolerances'->>'amountCents')::numeric)::bigint end, 100);
`);
  }
}
