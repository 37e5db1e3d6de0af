import { describe, expect, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';

describe('the demo agency generator', () => {
  const a = generateAgency({ seed: 'unit', clients: 300, asOf: '2026-11-01' });

  test('is deterministic for a seed and a date', () => {
    const b = generateAgency({ seed: 'unit', clients: 300, asOf: '2026-11-01' });
    expect(JSON.stringify(b.policies)).toBe(JSON.stringify(a.policies));
    const c = generateAgency({ seed: 'other', clients: 300, asOf: '2026-11-01' });
    expect(JSON.stringify(c.policies)).not.toBe(JSON.stringify(a.policies));
  });

  test('renewal terms chain back to their prior term and keep the original inception date', () => {
    const byKey = new Map(a.policies.map((p) => [p.key, p]));
    const renewals = a.policies.filter((p) => p.priorPolicyKey);
    expect(renewals.length).toBeGreaterThan(50);
    for (const r of renewals) {
      const prior = byKey.get(r.priorPolicyKey!)!;
      expect(prior.expirationDate).toBe(r.effectiveDate);
      expect(r.originalInceptionDate).toBe(prior.originalInceptionDate);
      expect(r.transactions[0]!.type).toBe('RWL');
      expect(prior.renewed).toBe(true);
    }
  });

  test('every term is internally consistent', () => {
    for (const p of a.policies) {
      expect(p.expirationDate > p.effectiveDate).toBe(true);
      expect(p.effectiveDate <= a.asOf).toBe(true);
      const sum = p.transactions
        .filter((t) => t.type !== 'CAN' && t.type !== 'REI')
        .reduce((s, t) => s + t.premiumDeltaCents, 0);
      expect(sum).toBe(p.termPremiumCents);
      if (p.status === 'cancelled') expect(p.transactions.some((t) => t.type === 'CAN')).toBe(true);
    }
  });
});
