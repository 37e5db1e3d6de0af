import { describe, expect, test } from 'vitest';
import {
  buildJournal,
  type CommissionAccrual,
  carrierDocCode,
  defaultChart,
  journalCsv,
  periodBounds,
  previousPeriod,
} from '../../domain/accounting/journal.ts';

const travelers = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
const hartford = '9b2d1c44-0000-4000-8000-000000000001';
const ann = { producerId: 'a0000000-0000-4000-8000-000000000001', producerName: 'Ann Agent' };
const bob = { producerId: 'b0000000-0000-4000-8000-000000000002', producerName: 'Bob Broker' };

const accrual = (over: Partial<CommissionAccrual>): CommissionAccrual => ({
  carrierId: travelers,
  carrierName: 'Travelers Insurance',
  producerId: ann.producerId,
  producerName: ann.producerName,
  agencyCents: 0,
  splits: [],
  ...over,
});

const net = (lines: { postingType: string; amountCents: number }[]) =>
  lines.reduce((s, l) => s + (l.postingType === 'Debit' ? l.amountCents : -l.amountCents), 0);

describe('journal entries for a month of commission income', () => {
  test('one balanced entry per carrier, income per producer of record, splits as expense and payable', () => {
    const entries = buildJournal('2026-10', [
      accrual({ agencyCents: 10_001, splits: [{ ...ann, cents: 4_000 }] }),
      accrual({
        agencyCents: 2_999,
        splits: [
          { ...ann, cents: 1_000 },
          { ...bob, cents: 333 },
        ],
      }),
      accrual({ producerId: null, producerName: null, agencyCents: 500 }),
      accrual({ carrierId: hartford, carrierName: 'The Hartford', agencyCents: 7_77 }),
    ]);
    expect(entries.map((e) => e.docNumber)).toEqual(['CH-2026-10-THEHAR-9b2', 'CH-2026-10-TRAVEL-3fa']);
    for (const e of entries) {
      expect(e.docNumber.length).toBeLessThanOrEqual(21);
      expect(net(e.lines)).toBe(0);
      expect(e.debitCents).toBe(e.creditCents);
      expect(e.txnDate).toBe('2026-10-31');
      for (const l of e.lines) expect(Number.isSafeInteger(l.amountCents) && l.amountCents > 0).toBe(true);
    }
    const t = entries[1]!;
    const of = (account: string) => t.lines.filter((l) => l.account === account);
    expect(of('commissionsReceivable')).toMatchObject([{ postingType: 'Debit', amountCents: 13_500 }]);
    expect(of('commissionIncome').map((l) => [l.producerName, l.amountCents])).toEqual([
      ['Ann Agent', 13_000],
      [null, 500],
    ]);
    expect(of('producerExpense').map((l) => [l.producerName, l.postingType, l.amountCents])).toEqual([
      ['Ann Agent', 'Debit', 5_000],
      ['Bob Broker', 'Debit', 333],
    ]);
    expect(of('producerPayable').map((l) => [l.producerName, l.postingType, l.amountCents])).toEqual([
      ['Ann Agent', 'Credit', 5_000],
      ['Bob Broker', 'Credit', 333],
    ]);
  });

  test('a month that nets to a chargeback flips the sides instead of posting negative amounts', () => {
    const [e] = buildJournal('2026-02', [
      accrual({ agencyCents: 1_000, splits: [{ ...ann, cents: 400 }] }),
      accrual({ agencyCents: -3_000, splits: [{ ...ann, cents: -1_200 }] }),
    ]);
    expect(e!.txnDate).toBe('2026-02-28');
    expect(e!.lines.find((l) => l.account === 'commissionsReceivable')).toMatchObject({
      postingType: 'Credit',
      amountCents: 2_000,
    });
    expect(e!.lines.find((l) => l.account === 'producerPayable')).toMatchObject({
      postingType: 'Debit',
      amountCents: 800,
    });
    expect(net(e!.lines)).toBe(0);
  });

  test('nothing to post makes no entry; the carrier code is stable and fits QuickBooks', () => {
    expect(buildJournal('2026-10', [accrual({ agencyCents: 0 })])).toEqual([]);
    expect(carrierDocCode('  ', travelers)).toBe('CARR-3fa');
    expect(periodBounds('2028-02').last).toBe('2028-02-29');
    expect(previousPeriod('2026-01-01')).toBe('2025-12');
    expect(() => periodBounds('2026-13')).toThrow();
  });

  test('the Xero CSV carries the same lines: debits positive, credits negative, totals equal', () => {
    const entries = buildJournal('2026-10', [
      accrual({ agencyCents: 12_345, splits: [{ ...bob, cents: 6_172 }] }),
      accrual({ carrierId: hartford, carrierName: 'Hartford, "The"', agencyCents: 99 }),
    ]);
    const csv = journalCsv(entries, defaultChart);
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe(
      '*Narration,*Date,Description,*AccountCode,*TaxRate,*Amount,TrackingName1,TrackingOption1,TrackingName2,TrackingOption2',
    );
    expect(rows).toHaveLength(1 + entries.reduce((s, e) => s + e.lines.length, 0));
    expect(csv).toContain('"Hartford, ""The"""');
    const amounts = rows.slice(1).map((r) => r.match(/,(-?\d+\.\d{2}),/)![1]!);
    const cents = amounts.map((a) => Math.round(Number(a.replace('.', ''))));
    expect(cents.reduce((s, c) => s + c, 0)).toBe(0);
    expect(cents.filter((c) => c > 0).reduce((s, c) => s + c, 0)).toBe(
      entries.reduce((s, e) => s + e.debitCents, 0),
    );
  });
});
