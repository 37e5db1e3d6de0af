// A sandbox's accounts (portals, orgs, realms, databases, agencies: each vendor's word), found by
// id as the admin API names them and by the bearer tokens issued for them, as the vendor API
// receives them. Ids are compared as strings, so a numeric portal id and its URL form agree.
export class AccountRegistry<A> {
  private readonly byId = new Map<string, A>();
  private readonly byToken = new Map<string, A>();

  set(id: string | number, account: A): A {
    this.byId.set(String(id), account);
    return account;
  }

  get(id: string | number): A | undefined {
    return this.byId.get(String(id));
  }

  values(): IterableIterator<A> {
    return this.byId.values();
  }

  /** From now on `token` reaches `account`. */
  bindToken(token: string, account: A): void {
    this.byToken.set(token, account);
  }

  forToken(token: string): A | undefined {
    return this.byToken.get(token);
  }

  /** `token` reaches nothing any more (only if it was `account`'s, when one is named). */
  revokeToken(token: string, account?: A): void {
    if (account === undefined || this.byToken.get(token) === account) this.byToken.delete(token);
  }
}
