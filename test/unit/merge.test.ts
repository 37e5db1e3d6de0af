import { describe, expect, test } from 'vitest';
import { mergeLatestWins } from '../../domain/merge.ts';

const ams = (at: string) => ({ connectionId: 'ams', sourceRecordId: 1, sourceUpdatedAt: at });
const crm = (at: string) => ({ connectionId: 'crm', sourceRecordId: 2, sourceUpdatedAt: at });

describe('latest-wins merge keeps per-field provenance', () => {
  test('a new entity takes every value from its first source', () => {
    const r = mergeLatestWins(
      null,
      {},
      { premium: 100, number: 'A1' },
      ['premium', 'number'],
      ams('2026-01-01'),
    );
    expect(r.values).toEqual({ premium: 100, number: 'A1' });
    expect(r.provenance.premium).toEqual(ams('2026-01-01'));
    expect(r.changedFields.sort()).toEqual(['number', 'premium']);
  });

  test('an older change from another source does not overwrite a newer one', () => {
    const first = mergeLatestWins(null, {}, { premium: 100 }, ['premium'], ams('2026-03-01'));
    const second = mergeLatestWins(
      first.values,
      first.provenance,
      { premium: 90 },
      ['premium'],
      crm('2026-02-01'),
    );
    expect(second.values.premium).toBe(100);
    expect(second.changedFields).toEqual([]);
  });

  test('a newer change from another source wins and takes the provenance', () => {
    const first = mergeLatestWins(null, {}, { premium: 100 }, ['premium'], ams('2026-03-01'));
    const second = mergeLatestWins(
      first.values,
      first.provenance,
      { premium: 90 },
      ['premium'],
      crm('2026-04-01'),
    );
    expect(second.values.premium).toBe(90);
    expect(second.provenance.premium).toEqual(crm('2026-04-01'));
    expect(second.changedFields).toEqual(['premium']);
  });

  test('a source clears a field it owns, but not one another source owns', () => {
    const first = mergeLatestWins(
      null,
      {},
      { email: 'a@x.test', phone: '555' },
      ['email', 'phone'],
      ams('2026-01-01'),
    );
    const byOther = mergeLatestWins(
      first.values,
      first.provenance,
      { email: null },
      ['email'],
      crm('2026-05-01'),
    );
    expect(byOther.values.email).toBe('a@x.test');
    const byOwner = mergeLatestWins(
      first.values,
      first.provenance,
      { email: null, phone: '555' },
      ['email', 'phone'],
      ams('2026-05-01'),
    );
    expect(byOwner.values.email).toBeNull();
    expect(byOwner.provenance.email).toBeUndefined();
    expect(byOwner.changedFields).toEqual(['email']);
  });

  test('an unchanged value is not a change', () => {
    const first = mergeLatestWins(
      null,
      {},
      { address: { city: 'Austin', state: 'TX' } },
      ['address'],
      ams('2026-01-01'),
    );
    const again = mergeLatestWins(
      first.values,
      first.provenance,
      { address: { state: 'TX', city: 'Austin' } },
      ['address'],
      ams('2026-02-01'),
    );
    expect(again.changedFields).toEqual([]);
  });
});
