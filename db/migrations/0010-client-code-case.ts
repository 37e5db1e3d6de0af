// Client codes are matched without case across systems ("gomelan-01" in a CRM is Epic's
// "GOMELAN-01"); the index follows the comparison.
import { Migration } from '@mikro-orm/migrations';

export class ClientCodeCase extends Migration {
  override name = '0010-client-code-case';

  override up(): void {
    this.addSql(`
create index clients_tenant_lookup_upper on clients (tenant_id, upper(lookup_code)) where deleted_at is null;
drop index clients_tenant_lookup;
`);
  }
}
