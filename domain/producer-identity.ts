// When two producer records are one person. Each system knows producers its own way: Applied Epic
// and EZLynx list the agency's producer code with the person's name (EZLynx with an email too),
// HawkSoft only the code (which also serves as its name), HubSpot an owner's name and email under
// HubSpot's own owner id, Salesforce a user's name and email with the employee number. A code is
// unique only inside the system that issued it, a name may belong to two people, so each kind of
// evidence is taken only when nothing else in the two records contradicts it:
//
// - email: the same address (case-blind), unless both have a real name and they share no word.
// - code: the same agency producer code (case-blind) from systems whose codes the agency assigns
//   (not a CRM's record id), unless both have a real name and they are not the same person's
//   (same surname, and the same first name or its initial).
// - name: the same full name (two words or more, normalised), carried by no third producer, and
//   neither different emails nor different codes from one system on the two sides.
//
// Two records of one system's stream are never one person (that system lists two). Pure; no I/O.
import { namesCouldMatch, normalizeName } from './normalize.ts';

/** Systems whose producer code the agency assigns (Salesforce's employee number is the AMS code). */
export const agencyCodeProviders: ReadonlySet<string> = new Set([
  'applied-epic',
  'hawksoft',
  'ezlynx',
  'salesforce',
]);

export interface ProducerFacts {
  name: string;
  email: string | null;
  /** provider → that system's code for the producer. */
  codes: Record<string, string>;
}

export type Evidence = 'email' | 'code' | 'name';
export const evidenceOrder: readonly Evidence[] = ['email', 'code', 'name'];

const upper = (s: string) => s.trim().toUpperCase();

/** True when the record's name is only one of its codes (HawkSoft's producers). */
export function namedByCode(p: ProducerFacts): boolean {
  const name = upper(p.name);
  return Object.values(p.codes ?? {}).some((c) => upper(c) === name);
}

/** The person's name normalised, or null when the record has only a code for a name. */
export function personName(p: ProducerFacts): string | null {
  if (namedByCode(p)) return null;
  return normalizeName(p.name) || null;
}

/** The agency's producer codes on the record, upper case. */
export function agencyCodes(p: ProducerFacts): string[] {
  return Object.entries(p.codes)
    .filter(([provider, code]) => agencyCodeProviders.has(provider) && code.trim())
    .map(([, code]) => upper(code));
}

/** "adam white" and "a white" may be one person; "adam white" and "adam black" are not. */
export function samePersonName(a: string, b: string): boolean {
  const x = a.split(' ');
  const y = b.split(' ');
  if (x.length === 1 || y.length === 1) {
    const [one, other] = x.length === 1 ? [x[0]!, y] : [y[0]!, x];
    return one === other[0] || one === other.at(-1);
  }
  if (x.at(-1) !== y.at(-1)) return false;
  const [f, g] = [x[0]!, y[0]!];
  return f === g || (f.length === 1 && g.startsWith(f)) || (g.length === 1 && f.startsWith(g));
}

/** Codes from one system that differ: two records that system keeps apart. */
function codesDisagree(a: ProducerFacts, b: ProducerFacts): boolean {
  return Object.entries(a.codes).some(([provider, code]) => {
    const other = b.codes[provider];
    return other !== undefined && upper(other) !== upper(code);
  });
}

/**
 * The strongest evidence that a and b are one person, or null. `nameHolders` is how many
 * producers (these two included) carry a's full name: a name says nothing when three do.
 */
export function sameProducer(a: ProducerFacts, b: ProducerFacts, nameHolders = 2): Evidence | null {
  const na = personName(a);
  const nb = personName(b);
  const email = (p: ProducerFacts) => p.email?.trim().toLowerCase() || null;
  if (email(a) && email(a) === email(b) && (!na || !nb || namesCouldMatch(na, nb))) return 'email';
  const codes = new Set(agencyCodes(a));
  if (agencyCodes(b).some((c) => codes.has(c)) && (!na || !nb || samePersonName(na, nb))) return 'code';
  if (
    na &&
    na === nb &&
    na.includes(' ') &&
    nameHolders <= 2 &&
    !(email(a) && email(b) && email(a) !== email(b)) &&
    !codesDisagree(a, b)
  )
    return 'name';
  return null;
}

/** What index keys a producer can be found by (a pair sharing none is never one person). */
export function identityKeys(p: ProducerFacts): string[] {
  const keys = agencyCodes(p).map((c) => `code:${c}`);
  if (p.email) keys.push(`email:${p.email.trim().toLowerCase()}`);
  const name = personName(p);
  if (name) keys.push(`name:${name}`);
  return keys;
}

/** The producer two merged records make: the survivor's values, filled in from the other. */
export function combine(into: ProducerFacts, from: ProducerFacts): ProducerFacts {
  return {
    name: namedByCode(into) && !namedByCode(from) ? from.name : into.name,
    email: into.email ?? from.email,
    codes: { ...from.codes, ...into.codes },
  };
}

export interface KnownProducer extends ProducerFacts {
  id: string;
  createdAt: string;
  /** connection/stream of each live source record (records of one stream are different people). */
  streams: string[];
  /** Its own id and every producer merged into it, to honour splits made against any of them. */
  members: string[];
}

export interface PlannedMerge {
  from: string;
  into: string;
  evidence: Evidence;
}

/** Which of two producers survives a merge: the one with a name, else the older. */
function survivor(a: KnownProducer, b: KnownProducer): [KnownProducer, KnownProducer] {
  if (namedByCode(a) !== namedByCode(b)) return namedByCode(a) ? [b, a] : [a, b];
  return a.createdAt < b.createdAt || (a.createdAt === b.createdAt && a.id < b.id) ? [a, b] : [b, a];
}

/**
 * The merges that make one producer per person out of `producers`, in order: each pair the
 * evidence supports, strongest evidence first, never two records of one stream and never a pair
 * someone split (`apart`: "id|id" of each split, either way round).
 */
export function planMerges(producers: KnownProducer[], apart: Set<string>): PlannedMerge[] {
  const live = new Map(producers.map((p) => [p.id, p]));
  const kept = (a: KnownProducer, b: KnownProducer) =>
    a.members.some((x) => b.members.some((y) => apart.has(`${x}|${y}`) || apart.has(`${y}|${x}`)));
  const merges: PlannedMerge[] = [];
  for (;;) {
    const byKey = new Map<string, KnownProducer[]>();
    const holders = new Map<string, number>();
    for (const p of live.values()) {
      for (const k of identityKeys(p)) byKey.set(k, [...(byKey.get(k) ?? []), p]);
      const name = personName(p);
      if (name) holders.set(name, (holders.get(name) ?? 0) + 1);
    }
    let best: { pair: [KnownProducer, KnownProducer]; evidence: Evidence } | null = null;
    for (const key of [...byKey.keys()].sort()) {
      const group = byKey.get(key)!;
      for (let i = 0; i < group.length; i++)
        for (let j = i + 1; j < group.length; j++) {
          const [a, b] = [group[i]!, group[j]!];
          if (a.streams.some((s) => b.streams.includes(s)) || kept(a, b)) continue;
          const evidence = sameProducer(a, b, holders.get(personName(a) ?? '') ?? 0);
          if (evidence && (!best || evidenceOrder.indexOf(evidence) < evidenceOrder.indexOf(best.evidence)))
            best = { pair: [a, b], evidence };
        }
    }
    if (!best) return merges;
    const [into, from] = survivor(...best.pair);
    merges.push({ from: from.id, into: into.id, evidence: best.evidence });
    live.delete(from.id);
    live.set(into.id, {
      ...into,
      ...combine(into, from),
      streams: [...new Set([...into.streams, ...from.streams])],
      members: [...into.members, ...from.members],
    });
  }
}
