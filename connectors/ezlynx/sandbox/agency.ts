// One EZLynx agency held in memory: its records (users with producer codes, the carrier list,
// applicants, policy terms, policy transactions from carrier downloads, downloaded commission
// statements), its access tokens, its rate-limit window, its chaos settings, and the webhook
// its integration registered. Every change stamps `updatedAt`, and a delete leaves a tombstone
// so the `updated_since` feed can report it (see the assumptions in api.ts).
import { createHmac, randomUUID } from 'node:crypto';
import { formatCents, parseMoneyToCents } from '../../../domain/money.ts';
import { type Chaos, ChaosDice, defaultChaos, RollingWindow } from '../../kit/sandbox/chaos.ts';

export const resourceTypes = [
  'agents',
  'carriers',
  'applicants',
  'policies',
  'policy-transactions',
  'commission-statements',
] as const;
export type ResourceType = (typeof resourceTypes)[number];

export function isResourceType(value: string): value is ResourceType {
  return (resourceTypes as readonly string[]).includes(value);
}

export interface EzRecord {
  id: string;
  fields: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  deleted: boolean;
  deletedAt: string | null;
}

export interface WebhookDelivery {
  eventId: string;
  eventType: string;
  url: string;
  attempts: number;
  status: 'pending' | 'delivered' | 'failed';
  lastStatus: number | null;
  lastError: string | null;
}

/** The notification our sandbox posts: a JSON rendering of EZLynx's `EventCallbackNotification`. */
export interface EventCallbackNotification {
  eventCallbackNotification: {
    eventId: string;
    eventType: string;
    eventDateTime: string;
    integrationGroupId: string;
    agencyId: string;
    entityType: string;
    entityId: string;
    applicantId: string | null;
    relatedEntities: { entityType: string; entityId: string }[];
  };
}

const idBase: Record<ResourceType, number> = {
  agents: 3_000_001,
  carriers: 4_000_001,
  applicants: 10_000_001,
  policies: 20_000_001,
  'policy-transactions': 30_000_001,
  'commission-statements': 40_000_001,
};

/** The EZLynx event names (from the public overview) each kind of change raises. */
const events: Record<
  ResourceType,
  { entity: string; created: string; updated: string; deleted: string | null }
> = {
  agents: { entity: 'User', created: 'UserCreated', updated: 'UserUpdated', deleted: 'UserDeleted' },
  carriers: { entity: 'Carrier', created: 'CarrierCreated', updated: 'CarrierUpdated', deleted: null },
  applicants: {
    entity: 'Applicant',
    created: 'ApplicantCreated',
    updated: 'ApplicantUpdated',
    deleted: 'ApplicantDeleted',
  },
  policies: {
    entity: 'Policy',
    created: 'PolicyCreated',
    updated: 'PolicyUpdated',
    deleted: 'PolicyDeleted',
  },
  'policy-transactions': {
    entity: 'Policy',
    created: 'PolicyUpdated',
    updated: 'PolicyUpdated',
    deleted: 'PolicyUpdated',
  },
  'commission-statements': {
    entity: 'CommissionStatement',
    created: 'CommissionStatementDownloaded',
    updated: 'CommissionStatementDownloaded',
    deleted: null,
  },
};

/** Retry delays after a failed delivery; each retry is signed afresh so it passes the replay window. */
const deliveryBackoffMs = [1_000, 5_000, 15_000];

export class EzlynxAgency {
  readonly agencyId: string;
  readonly integrationGroupId: string;
  readonly clientId: string;
  readonly apiKey: string;
  readonly records: Record<ResourceType, Map<string, EzRecord>> = {
    agents: new Map(),
    carriers: new Map(),
    applicants: new Map(),
    policies: new Map(),
    'policy-transactions': new Map(),
    'commission-statements': new Map(),
  };
  /** Access token → expiry (ms since epoch). */
  readonly tokens = new Map<string, number>();
  chaos: Chaos = defaultChaos();
  readonly dice = new ChaosDice();
  readonly window = new RollingWindow(300, 60_000);
  requestCount = 0;
  webhook: { url: string; secret: string } | null = null;
  readonly deliveries: WebhookDelivery[] = [];
  private readonly nextId: Record<ResourceType, number> = { ...idBase };
  private lastStamp = 0;

  constructor(ids: { agencyId: string; integrationGroupId: string; clientId: string; apiKey: string }) {
    this.agencyId = ids.agencyId;
    this.integrationGroupId = ids.integrationGroupId;
    this.clientId = ids.clientId;
    this.apiKey = ids.apiKey;
  }

  /** Strictly increasing timestamps, so `updated_since` never misses two edits in one millisecond. */
  stamp(): string {
    const now = Math.max(Date.now(), this.lastStamp + 1);
    this.lastStamp = now;
    return new Date(now).toISOString();
  }

  live(type: ResourceType, id: string): EzRecord | undefined {
    const r = this.records[type].get(id);
    return r && !r.deleted ? r : undefined;
  }

  create(
    type: ResourceType,
    fields: Record<string, unknown>,
    opts: {
      createdAt?: string;
      updatedAt?: string;
      related?: { entityType: string; entityId: string }[];
    } = {},
  ): EzRecord {
    const id = String(this.nextId[type]++);
    const createdAt = opts.createdAt ?? this.stamp();
    const record: EzRecord = {
      id,
      fields: { ...fields },
      createdAt,
      updatedAt: opts.updatedAt ?? createdAt,
      deleted: false,
      deletedAt: null,
    };
    this.records[type].set(id, record);
    this.emit(type, 'created', record, opts.related);
    return record;
  }

  update(type: ResourceType, id: string, fields: Record<string, unknown>): EzRecord | undefined {
    const record = this.live(type, id);
    if (!record) return undefined;
    Object.assign(record.fields, fields);
    record.updatedAt = this.stamp();
    this.emit(type, 'updated', record);
    return record;
  }

  /**
   * Deletes leave tombstones. An applicant takes its policies and their transactions with it, a
   * policy its transactions, as deleting a customer file does in the product.
   */
  remove(type: ResourceType, id: string): boolean {
    const record = this.live(type, id);
    if (!record) return false;
    this.tombstone(record);
    if (type === 'applicants') {
      for (const p of this.records.policies.values())
        if (!p.deleted && p.fields.applicantId === id) this.removePolicyQuietly(p);
    }
    if (type === 'policies') this.removeTransactionsOf(id);
    this.emit(type, 'deleted', record);
    return true;
  }

  /**
   * A carrier download of one policy transaction: the transaction is recorded and the policy
   * header follows it (status, premium, last download), then `PolicyDownloaded` is raised.
   */
  download(fields: Record<string, unknown>): { transaction: EzRecord; policy: EzRecord } | undefined {
    const policy = this.live('policies', String(fields.policyId ?? ''));
    if (!policy) return undefined;
    const at = this.stamp();
    const id = String(this.nextId['policy-transactions']++);
    const transaction: EzRecord = {
      id,
      fields: {
        policyNumber: policy.fields.policyNumber,
        taxesAndFees: '0.00',
        cancellationMethod: null,
        ...fields,
        source: 'Download',
        downloadedAt: at,
      },
      createdAt: at,
      updatedAt: at,
      deleted: false,
      deletedAt: null,
    };
    this.records['policy-transactions'].set(id, transaction);
    const type = transaction.fields.transactionType;
    if (type === 'Cancellation') policy.fields.status = 'Cancelled';
    if (type === 'Reinstatement') policy.fields.status = 'Active';
    const delta = parseMoneyToCents(transaction.fields.premiumChange);
    const premium = parseMoneyToCents(policy.fields.termPremium);
    if (delta !== null && premium !== null && type !== 'Cancellation')
      policy.fields.termPremium = formatCents(premium + delta);
    policy.fields.lastDownloadedAt = at;
    policy.updatedAt = this.stamp();
    this.send('PolicyDownloaded', 'Policy', policy, [{ entityType: 'PolicyTransaction', entityId: id }]);
    return { transaction, policy };
  }

  issueToken(ttlSeconds: number): string {
    const token = `ezl_at_${randomUUID().replace(/-/g, '')}`;
    this.tokens.set(token, Date.now() + ttlSeconds * 1000);
    return token;
  }

  counts(): Record<string, { live: number; deleted: number }> {
    const out: Record<string, { live: number; deleted: number }> = {};
    for (const type of resourceTypes) {
      let live = 0;
      let deleted = 0;
      for (const r of this.records[type].values()) r.deleted ? deleted++ : live++;
      out[type] = { live, deleted };
    }
    return out;
  }

  private tombstone(record: EzRecord): void {
    record.deleted = true;
    record.deletedAt = this.stamp();
    record.updatedAt = record.deletedAt;
  }

  private removePolicyQuietly(policy: EzRecord): void {
    this.tombstone(policy);
    this.removeTransactionsOf(policy.id);
  }

  private removeTransactionsOf(policyId: string): void {
    for (const t of this.records['policy-transactions'].values())
      if (!t.deleted && t.fields.policyId === policyId) this.tombstone(t);
  }

  private emit(
    type: ResourceType,
    change: 'created' | 'updated' | 'deleted',
    record: EzRecord,
    related: { entityType: string; entityId: string }[] = [],
  ): void {
    const spec = events[type];
    const eventType = spec[change];
    if (!eventType || !this.webhook) return;
    if (type === 'policy-transactions') {
      // A hand-entered transaction changes its policy: EZLynx reports the policy, not the transaction.
      const policy = this.records.policies.get(String(record.fields.policyId));
      // A removed transaction is not named: receivers would take it for a change to fetch.
      const related = change === 'deleted' ? [] : [{ entityType: 'PolicyTransaction', entityId: record.id }];
      if (policy) this.send(eventType, 'Policy', policy, related);
      return;
    }
    this.send(eventType, spec.entity, record, related);
  }

  private send(
    eventType: string,
    entityType: string,
    record: EzRecord,
    related: { entityType: string; entityId: string }[],
  ): void {
    if (!this.webhook) return;
    const applicantId =
      entityType === 'Applicant' ? record.id : ((record.fields.applicantId as string | undefined) ?? null);
    const notification: EventCallbackNotification = {
      eventCallbackNotification: {
        eventId: randomUUID(),
        eventType,
        eventDateTime: new Date().toISOString(),
        integrationGroupId: this.integrationGroupId,
        agencyId: this.agencyId,
        entityType,
        entityId: record.id,
        applicantId,
        relatedEntities: related,
      },
    };
    const delivery: WebhookDelivery = {
      eventId: notification.eventCallbackNotification.eventId,
      eventType,
      url: this.webhook.url,
      attempts: 0,
      status: 'pending',
      lastStatus: null,
      lastError: null,
    };
    this.deliveries.push(delivery);
    if (this.deliveries.length > 200) this.deliveries.shift();
    void this.deliver(delivery, JSON.stringify(notification), { ...this.webhook });
  }

  private async deliver(
    delivery: WebhookDelivery,
    body: string,
    target: { url: string; secret: string },
  ): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      delivery.attempts++;
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', target.secret).update(`${timestamp}.${body}`).digest('hex');
      try {
        const res = await fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'EZLynx-Webhooks/1.0 (Commission Hub sandbox)',
            'x-ezlynx-event-id': delivery.eventId,
            'x-ezlynx-event-type': delivery.eventType,
            'x-ezlynx-timestamp': timestamp,
            'x-ezlynx-signature': `v1=${signature}`,
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        delivery.lastStatus = res.status;
        await res.body?.cancel();
        if (res.ok) {
          delivery.status = 'delivered';
          return;
        }
        delivery.lastError = `HTTP ${res.status}`;
      } catch (err) {
        delivery.lastError = (err as Error).message;
      }
      const wait = deliveryBackoffMs[attempt];
      if (wait === undefined) {
        delivery.status = 'failed';
        return;
      }
      await new Promise<void>((resolve) => setTimeout(resolve, wait).unref());
    }
  }
}
