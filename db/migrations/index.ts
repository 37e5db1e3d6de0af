// Migrations in the order they apply. Append only: an applied migration never changes.
import { CanonicalCore } from './0001-canonical-core.ts';
import { MergeConflictsOutbox } from './0002-merge-conflicts-outbox.ts';
import { Commissions } from './0003-commissions.ts';
import { ApiFrame } from './0004-api-frame.ts';
import { CommissionPayments } from './0005-commission-payments.ts';
import { StatementLinesDetail } from './0006-statement-lines-detail.ts';
import { Webhooks } from './0007-webhooks.ts';
import { SessionsOauth } from './0008-sessions-oauth.ts';
import { OutboundCrmAccounting } from './0009-outbound-crm-accounting.ts';
import { ClientCodeCase } from './0010-client-code-case.ts';
import { RenewalOutcomes } from './0011-renewal-outcomes.ts';
import { StatementRows } from './0012-statement-rows.ts';
import { SettleWithinTolerance } from './0013-settle-within-tolerance.ts';
import { RecordedCommissions } from './0014-recorded-commissions.ts';
import { ProducerMerges } from './0016-producer-merges.ts';
import { OauthBrowserBinding } from './0018-oauth-browser-binding.ts';
import { ProducerShares } from './0020-producer-shares.ts';

export const migrations = [
  { name: '0001-canonical-core', class: CanonicalCore },
  { name: '0002-merge-conflicts-outbox', class: MergeConflictsOutbox },
  { name: '0003-commissions', class: Commissions },
  { name: '0004-api-frame', class: ApiFrame },
  { name: '0005-commission-payments', class: CommissionPayments },
  { name: '0006-statement-lines-detail', class: StatementLinesDetail },
  { name: '0007-webhooks', class: Webhooks },
  { name: '0008-sessions-oauth', class: SessionsOauth },
  { name: '0009-outbound-crm-accounting', class: OutboundCrmAccounting },
  { name: '0010-client-code-case', class: ClientCodeCase },
  { name: '0011-renewal-outcomes', class: RenewalOutcomes },
  { name: '0012-statement-rows', class: StatementRows },
  { name: '0013-settle-within-tolerance', class: SettleWithinTolerance },
  { name: '0014-recorded-commissions', class: RecordedCommissions },
  { name: '0016-producer-merges', class: ProducerMerges },
  { name: '0018-oauth-browser-binding', class: OauthBrowserBinding },
  { name: '0020-producer-shares', class: ProducerShares },
];
