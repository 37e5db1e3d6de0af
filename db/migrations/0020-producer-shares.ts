// Who shares a policy's agency commission, as the system of record states it (Applied Epic's
// producer/broker commissions): [{producerId, percent, role}], the split when the agency has no
// split plan of its own for the policy.
import { Migration } from '@mikro-orm/migrations';

export class ProducerShares extends Migration {
  override name = '0020-producer-shares';

  override up(): void {
    this.addSql(`alter table policies add column producer_shares jsonb;`);
  }
}
