// OAuth connect flows bound to the browser that started them: the hash of the nonce the start put
// in that browser's cookie. A flow started before this has none and can no longer finish (it
// would have expired within ten minutes anyway).
import { Migration } from '@mikro-orm/migrations';

export class OauthBrowserBinding extends Migration {
  override name = '0018-oauth-browser-binding';

  override up(): void {
    this.addSql('alter table oauth_states add column browser_hash text;');
  }
}
