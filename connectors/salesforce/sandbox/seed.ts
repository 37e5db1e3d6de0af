// Projects the demo agency's commercial book (kit/demo-book.ts: business clients) into a
// Salesforce org the way an agency on Financial Services Cloud keeps it: producers and CSRs as
// Users, each business as an Account with its primary Contact, each policy term as the
// Opportunity that sold or renewed it (carrying the agency's custom policy fields) and as an
// InsurancePolicy record (Name = policy number, NameInsuredId → Account, ProducerId → User,
// PriorPolicyId → the previous term, SourceOpportunityId → its Opportunity). Open renewal
// opportunities and lost renewals carry no policy number. Like any hand-kept CRM, a few records
// disagree with the AMS or are plainly malformed unless `clean` is asked for.
import { formatCents } from '../../../domain/money.ts';
import { addDays, type DemoAgency, generateAgency } from '../../kit/demo-agency.ts';
import { bookFor } from '../../kit/demo-book.ts';
import { Random } from '../../kit/random.ts';
import type { SalesforceOrg } from './org.ts';

export interface SalesforceSeedOptions {
  seed?: string;
  clients?: number;
  asOf?: string;
  /** Leave out the deliberate disagreements and malformed records. */
  clean?: boolean;
}

/** InsurancePolicy.Status picklist values this org uses; "Pending Review" is one an admin added later. */
export const policyStatusValue: Record<string, string> = {
  active: 'Active',
  expired: 'Expired',
  cancelled: 'Cancelled',
  lost: 'Non-Renewed',
};

const contactTitles = ['Owner', 'Office Manager', 'CFO', 'Operations Manager', 'President'];
const firstNames = [
  'Dana',
  'Chris',
  'Morgan',
  'Alex',
  'Jordan',
  'Taylor',
  'Casey',
  'Riley',
  'Jamie',
  'Avery',
];
const lastNames = [
  'Reyes',
  'Kim',
  'Novak',
  'Brennan',
  'Osei',
  'Lindqvist',
  'Haddad',
  'Moreau',
  'Tanaka',
  'Silva',
];

export function seedOrg(org: SalesforceOrg, opts: SalesforceSeedOptions = {}): DemoAgency {
  const agency = generateAgency({ seed: opts.seed ?? 'demo', clients: opts.clients ?? 400, asOf: opts.asOf });
  const book = bookFor(agency, 'salesforce');
  const r = new Random(`${agency.seed}:salesforce`);
  const now = new Date().toISOString();
  // Nothing in an org was modified after the moment the org is created.
  const notAfterNow = (iso: string) => (iso > now ? now : iso);
  const at = (date: string, time = '10:00:00') => notAfterNow(`${date}T${time}.000Z`);
  const quiet = { quiet: true } as const;

  const longAgo = at(addDays(agency.asOf, -2500), '09:00:00');
  const admin = org.create(
    'User',
    {
      Username: `admin@${org.orgId.toLowerCase()}.demo-agency.test`,
      FirstName: 'Agency',
      LastName: 'Admin',
      Email: 'admin@demo-agency.test',
      Alias: 'aadmin',
      Title: 'Salesforce Administrator',
    },
    { ...quiet, createdAt: longAgo },
  );
  org.adminUserId = admin.fields.Id as string;
  const automation = org.create(
    'User',
    {
      Username: `autoproc@${org.orgId.toLowerCase()}`,
      LastName: 'Automated Process',
      Email: 'noreply@salesforce.com',
    },
    { ...quiet, createdAt: longAgo },
  );
  automation.fields.UserType = 'AutomatedProcess';

  const userByProducer = new Map<string, string>();
  for (const p of agency.producers) {
    if (p.role === 'house') continue;
    const user = org.create(
      'User',
      {
        Username: `${p.email}.crm`,
        FirstName: p.firstName,
        LastName: p.lastName,
        Email: p.email,
        Alias: p.code.slice(0, 8).toLowerCase(),
        Title: p.role === 'producer' ? 'Producer' : 'Account Manager',
        Department: 'Commercial Lines',
        EmployeeNumber: p.code,
        Agency_Role__c: p.role,
      },
      { ...quiet, createdAt: longAgo, modifiedAt: at(addDays(agency.asOf, -30), '09:00:00') },
    );
    userByProducer.set(p.key, user.fields.Id as string);
  }

  const accountByClient = new Map<string, string>();
  for (const c of book.clients) {
    const owner = userByProducer.get(c.producerKey) ?? org.adminUserId;
    const createdAt = at(c.since);
    const account = org.create(
      'Account',
      {
        OwnerId: owner,
        Name: c.companyName ?? c.displayName,
        Type: 'Customer',
        Phone: c.phone,
        BillingStreet: c.address.line1,
        BillingCity: c.address.city,
        BillingState: c.address.state,
        BillingPostalCode: c.address.postalCode,
        BillingCountry: 'United States',
        Agency_Client_Code__c: c.key,
      },
      { ...quiet, createdAt, modifiedAt: at(addDays(c.since, r.int(0, 400))) },
    );
    accountByClient.set(c.key, account.fields.Id as string);
    org.create(
      'Contact',
      {
        OwnerId: owner,
        AccountId: account.fields.Id,
        FirstName: r.pick(firstNames),
        LastName: r.pick(lastNames),
        Title: r.pick(contactTitles),
        Email: c.email,
        Phone: c.phone,
        MailingStreet: c.address.line1,
        MailingCity: c.address.city,
        MailingState: c.address.state,
        MailingPostalCode: c.address.postalCode,
        MailingCountry: 'United States',
      },
      { ...quiet, createdAt, modifiedAt: createdAt },
    );
  }

  const carrierName = new Map(agency.carriers.map((c) => [c.key, c.name]));
  const clientName = new Map(agency.clients.map((c) => [c.key, c.displayName]));
  const policyByKey = new Map<string, string>();
  book.policies.forEach((p, index) => {
    const accountId = accountByClient.get(p.clientKey)!;
    const owner = userByProducer.get(p.producerKey) ?? org.adminUserId;
    const carrier = carrierName.get(p.carrierKey) ?? null;
    const createdAt = at(addDays(p.effectiveDate, -20), '15:00:00');
    // The term was last touched after its opportunity was opened (ISO strings sort as instants).
    const modifiedAt = notAfterNow([createdAt, p.updatedAt].sort()[1]!);
    const name = `${clientName.get(p.clientKey)} - ${p.lineOfBusiness} ${p.effectiveDate.slice(0, 4)}`;
    const roll = opts.clean ? 1 : r.next();
    const premium = p.termPremiumCents;
    const opportunity = org.create(
      'Opportunity',
      {
        OwnerId: owner,
        AccountId: accountId,
        Name: name,
        StageName: 'Closed Won',
        CloseDate: p.effectiveDate,
        // An old quote's amount left on the opportunity after the carrier re-rated the term.
        Amount: formatCents(roll < 0.04 ? Math.round(premium / 10_000) * 10_000 + 10_000 : premium),
        Probability: 100,
        Type: p.termNumber === 1 ? 'New Business' : 'Renewal',
        Policy_Number__c: p.policyNumber,
        Carrier_Name__c: carrier,
        Line_Of_Business__c: p.lineOfBusiness,
        Effective_Date__c: p.effectiveDate,
        Expiration_Date__c: p.expirationDate,
        Policy_Status__c: p.status,
        Prior_Policy_Number__c: p.priorPolicyNumber,
        Agency_Policy_Id__c: p.key,
      },
      { ...quiet, createdAt, modifiedAt },
    );
    const cancellation = p.transactions.find((t) => t.type === 'CAN');
    const fields: Record<string, unknown> = {
      OwnerId: owner,
      Name: p.policyNumber,
      PolicyName: `${clientName.get(p.clientKey)} - ${p.lineOfBusiness}`,
      NameInsuredId: accountId,
      PolicyType: p.lineOfBusiness,
      EffectiveDate: `${p.effectiveDate}T00:00:00.000Z`,
      ExpirationDate: `${p.expirationDate}T00:00:00.000Z`,
      CancellationDate:
        p.status === 'cancelled' && cancellation ? `${cancellation.effectiveDate}T00:00:00.000Z` : null,
      Status: policyStatusValue[p.status],
      PremiumAmount: formatCents(premium),
      IsActive: p.status === 'active',
      ProducerId: owner,
      PriorPolicyId: p.priorPolicyKey ? (policyByKey.get(p.priorPolicyKey) ?? null) : null,
      SourceOpportunityId: opportunity.fields.Id,
      Carrier_Name__c: carrier,
      Agency_Policy_Id__c: p.key,
    };
    if (!opts.clean) {
      // A few deterministic cases so even a small org has each kind, then a sprinkle by chance.
      if (index === 6 || (roll >= 0.04 && roll < 0.05))
        fields.ExpirationDate = `${Number(p.expirationDate.slice(0, 4)) - 2}${p.expirationDate.slice(4)}T00:00:00.000Z`;
      else if (index === 10 || (roll >= 0.05 && roll < 0.055)) fields.Status = 'Pending Review';
      else if (roll >= 0.055 && roll < 0.075) fields.ExpirationDate = null;
      else if (roll >= 0.075 && roll < 0.08) fields.PremiumAmount = null;
    }
    const policy = org.create('InsurancePolicy', fields, { ...quiet, createdAt, modifiedAt });
    policyByKey.set(p.key, policy.fields.Id as string);

    if (p.status === 'lost') {
      org.create(
        'Opportunity',
        {
          OwnerId: owner,
          AccountId: accountId,
          Name: `${clientName.get(p.clientKey)} - ${p.lineOfBusiness} renewal ${p.expirationDate.slice(0, 4)}`,
          StageName: 'Closed Lost',
          CloseDate: p.expirationDate,
          Type: 'Renewal',
          Line_Of_Business__c: p.lineOfBusiness,
        },
        { ...quiet, createdAt: at(addDays(p.expirationDate, -60)), modifiedAt: at(p.expirationDate) },
      );
    } else if (p.status === 'active' && p.expirationDate <= addDays(agency.asOf, 60)) {
      org.create(
        'Opportunity',
        {
          OwnerId: owner,
          AccountId: accountId,
          Name: `${clientName.get(p.clientKey)} - ${p.lineOfBusiness} renewal ${p.expirationDate.slice(0, 4)}`,
          StageName: 'Prospecting',
          CloseDate: p.expirationDate,
          Probability: 10,
          Type: 'Renewal',
          Carrier_Name__c: carrier,
          Line_Of_Business__c: p.lineOfBusiness,
        },
        { ...quiet, createdAt: at(addDays(p.expirationDate, -60)) },
      );
    }
  });
  return agency;
}
