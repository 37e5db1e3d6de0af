import { describe, expect, test } from 'vitest';
import { generateAgency } from '../../connectors/kit/demo-agency.ts';
import {
  combine,
  type KnownProducer,
  type ProducerFacts,
  personName,
  planMerges,
  sameProducer,
} from '../../domain/producer-identity.ts';

const epic = (name: string, code: string): ProducerFacts => ({
  name,
  email: null,
  codes: { 'applied-epic': code },
});
const hawksoft = (code: string): ProducerFacts => ({ name: code, email: null, codes: { hawksoft: code } });
const hubspot = (name: string, email: string, ownerId = '70000001'): ProducerFacts => ({
  name,
  email,
  codes: { hubspot: ownerId },
});

describe('when two producer records are one person', () => {
  test('a HawkSoft code is the code Applied Epic lists for a named employee', () => {
    expect(personName(hawksoft('AWHI8'))).toBeNull();
    expect(sameProducer(hawksoft('AWHI8'), epic('Adam White', 'AWHI8'))).toBe('code');
    expect(sameProducer(hawksoft('awhi8'), epic('Adam White', 'AWHI8'))).toBe('code');
    expect(sameProducer(hawksoft('AWHI9'), epic('Adam White', 'AWHI8'))).toBeNull();
  });

  test('a CRM user with the exact name of an employee, when nobody else has that name', () => {
    const owner = hubspot('Adam White', 'adam.white8@demo-agency.test');
    expect(sameProducer(owner, epic('Adam White', 'AWHI8'))).toBe('name');
    expect(sameProducer(owner, epic('White, Adam', 'AWHI8'))).toBe('name');
    // A third Adam White: the name no longer tells which.
    expect(sameProducer(owner, epic('Adam White', 'AWHI8'), 3)).toBeNull();
    // A single word is not a full name.
    expect(sameProducer(hubspot('Adam', 'a@x.test'), epic('Adam', 'AD1'))).toBeNull();
  });

  test('the same email, unless the names have nothing in common', () => {
    const a = hubspot('Jennifer Dubois', 'jennifer.dubois2@demo-agency.test');
    const b = { ...hubspot('Jen Dubois', 'Jennifer.Dubois2@demo-agency.test'), codes: { ezlynx: 'JDUB2' } };
    expect(sameProducer(a, b)).toBe('email');
    expect(sameProducer(a, hubspot('Carlos Rossi', 'jennifer.dubois2@demo-agency.test'))).toBeNull();
  });

  test('never two people who share a first name', () => {
    expect(sameProducer(epic('Adam White', 'AW1'), hubspot('Adam Black', 'adam@x.test'))).toBeNull();
    // Not even under one code: the surname says these are two people.
    expect(
      sameProducer(epic('Adam White', 'AW1'), { ...epic('Adam Black', 'AW1'), codes: { ezlynx: 'AW1' } }),
    ).toBeNull();
    expect(
      sameProducer(epic('A. White', 'AW1'), { ...epic('Adam White', 'AW1'), codes: { ezlynx: 'AW1' } }),
    ).toBe('code');
  });

  test('a CRM record id is not an agency code', () => {
    const owner = hubspot('Mary Jones', 'mary@x.test', 'AWHI8');
    expect(sameProducer(owner, hawksoft('AWHI8'))).toBeNull();
  });

  test('the same name is not enough against different emails or different codes from one system', () => {
    expect(
      sameProducer(hubspot('Adam White', 'a1@x.test'), hubspot('Adam White', 'a2@x.test', '2')),
    ).toBeNull();
    expect(sameProducer(epic('Adam White', 'AW1'), epic('Adam White', 'AW2'))).toBeNull();
  });

  test('a merged producer keeps the real name and every system’s code', () => {
    expect(combine(hawksoft('AWHI8'), epic('Adam White', 'AWHI8'))).toEqual({
      name: 'Adam White',
      email: null,
      codes: { hawksoft: 'AWHI8', 'applied-epic': 'AWHI8' },
    });
  });
});

describe('planning the merges of a tenant’s producers', () => {
  const known = (id: string, facts: ProducerFacts, stream: string, createdAt = id): KnownProducer => ({
    ...facts,
    id,
    createdAt,
    streams: [stream],
    members: [id],
  });

  test('the demo agency as four systems know it becomes one producer per person', () => {
    const agency = generateAgency({ seed: 'demo', clients: 50, asOf: '2026-12-01' });
    const all: KnownProducer[] = [];
    for (const [i, p] of agency.producers.entries()) {
      const name = `${p.firstName} ${p.lastName}`;
      all.push(known(`h${i}`, hawksoft(p.code), 'hs/producers', `1-${i}`));
      all.push(known(`e${i}`, epic(name, p.code), 'epic/employees', `2-${i}`));
      if (p.role !== 'house') {
        all.push(known(`o${i}`, hubspot(name, p.email, String(70_000_000 + i)), 'hub/owners', `3-${i}`));
        all.push(
          known(`s${i}`, { name, email: p.email, codes: { salesforce: p.code } }, 'sf/users', `4-${i}`),
        );
      }
    }
    const merges = planMerges(all, new Set());
    expect(all.length - merges.length).toBe(agency.producers.length);
    const into = new Map<string, string>();
    for (const m of merges) into.set(m.from, m.into);
    const root = (id: string): string => (into.has(id) ? root(into.get(id)!) : id);
    for (const [i] of agency.producers.entries()) {
      // Each person ends as Applied Epic's record (the oldest with a name), never as a code.
      expect(root(`h${i}`)).toBe(`e${i}`);
      if (agency.producers[i]!.role !== 'house') expect(root(`o${i}`)).toBe(`e${i}`);
    }
    expect(new Set(merges.map((m) => m.evidence))).toEqual(new Set(['code', 'email']));
  });

  test('two records of one stream are two people, and a split pair stays apart', () => {
    const a = known('a', epic('Adam White', 'AW1'), 'epic/employees');
    const b = known(
      'b',
      { ...epic('Adam White', 'AW1'), codes: { 'applied-epic': 'AW1' } },
      'epic/employees',
    );
    expect(planMerges([a, b], new Set())).toEqual([]);
    const h = known('h', hawksoft('AW1'), 'hs/producers');
    expect(planMerges([a, h], new Set())).toEqual([{ from: 'h', into: 'a', evidence: 'code' }]);
    expect(planMerges([a, h], new Set(['h|a']))).toEqual([]);
    // The split holds against whatever the split producer was merged into since.
    const c = { ...known('c', hubspot('Adam White', 'aw@x.test'), 'hub/owners'), members: ['c', 'a'] };
    expect(planMerges([c, h], new Set(['h|a']))).toEqual([]);
  });

  test('a name shared by three producers merges none of them by name', () => {
    const people = [
      known('a', epic('Adam White', 'AW1'), 'epic/employees'),
      known('b', hubspot('Adam White', 'a1@x.test', '1'), 'hub/owners'),
      known('c', { name: 'Adam White', email: 'a2@x.test', codes: { ezlynx: 'AW9' } }, 'ez/agents'),
    ];
    expect(planMerges(people, new Set())).toEqual([]);
  });
});
