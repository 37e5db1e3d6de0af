// Header auto-detection: where the header row is (statements open with titles, the agency code and
// a summary), and which mapping reads the file. Candidates are tried in the order an agency would
// trust them: the mapping it saved for this carrier, the carrier's preset, any carrier's preset
// that fits exactly (when the carrier is not given), the generic preset, and last fuzzy matching of
// header names against synonyms ("Pol #", "Named Insured", "Comm Amt"). Every step is written into
// an explanation so a user can see why a column was read as what.
import { distance } from 'fastest-levenshtein';
import { genericPreset, presetForCarrier, type StatementPreset, statementPresets } from './presets.ts';
import {
  type ColumnMapping,
  type MappingSource,
  type RawRow,
  type StatementField,
  statementFields,
} from './types.ts';
import { headerKey, requiredFieldsMissing, resolveColumns } from './validate.ts';

/** How many rows from the top may hold the header. */
export const headerScanRows = 25;

// ---------------------------------------------------------------------------------------------
// Fuzzy header matching
// ---------------------------------------------------------------------------------------------

/** Abbreviations on statements, each mapped to one word so "Pol #", "Policy No" and "POLICY_NUM" meet. */
const abbreviations: Record<string, string> = {
  pol: 'policy',
  no: 'number',
  num: 'number',
  nbr: 'number',
  nmbr: 'number',
  '#': 'number',
  eff: 'effective',
  efctv: 'effective',
  dt: 'date',
  comm: 'commission',
  com: 'commission',
  commision: 'commission',
  amt: 'amount',
  prem: 'premium',
  pct: 'percent',
  perc: 'percent',
  '%': 'percent',
  trans: 'transaction',
  txn: 'transaction',
  tran: 'transaction',
  trn: 'transaction',
  cd: 'code',
  acctg: 'accounting',
  acct: 'accounting',
  proc: 'processed',
  process: 'processed',
  ins: 'insured',
  cust: 'customer',
  prod: 'producer',
  agt: 'agent',
  ccy: 'currency',
  cur: 'currency',
  curr: 'currency',
  nm: 'name',
  ref: 'reference',
  typ: 'type',
  inv: 'invoice',
  cxl: 'cancel',
};

/** "PolicyNumber", "POL_EFF_DT", "Comm %", "Policy No." → ["policy", "number"], … */
export function headerTokens(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/([#%])/g, ' $1 ')
    .toLowerCase()
    .split(/[^a-z0-9#%]+/)
    .filter((t) => t !== '')
    .map((t) => abbreviations[t] ?? t);
}

const synonyms: Record<StatementField, string[]> = {
  policyNumber: [
    'policy number',
    'policy',
    'policy id',
    'policy reference',
    'contract number',
    'certificate number',
    'policy number full',
  ],
  insuredName: [
    'insured name',
    'insured',
    'named insured',
    'insureds name',
    'customer',
    'customer name',
    'client',
    'client name',
    'name',
    'account name',
    'account',
    'policyholder',
    'policy holder',
    'policyholder name',
  ],
  insuredLastName: ['last name', 'insured last name', 'last', 'surname', 'lastname'],
  insuredFirstName: ['first name', 'insured first name', 'first', 'firstname', 'given name'],
  transactionType: [
    'transaction type',
    'transaction',
    'transaction code',
    'type',
    'activity',
    'activity type',
    'lob chg',
    'transaction description',
  ],
  effectiveDate: [
    'effective date',
    'effective',
    'policy effective date',
    'policy effective',
    'term effective',
    'term effective date',
    'inception',
    'inception date',
    'policy inception',
    'start date',
    'term start',
    'term start date',
    'policy start',
    'policy start date',
    'coverage start',
    'term begin',
    'begin date',
  ],
  transactionDate: [
    'transaction date',
    'transaction effective date',
    'transaction effective',
    'processed date',
    'entry date',
    'accounting date',
    'activity date',
    'invoice date',
    'billing date',
    'posted date',
    'posting date',
  ],
  premium: [
    'premium',
    'written premium',
    'premium amount',
    'gross premium',
    'billed premium',
    'commissionable premium',
    'net premium',
    'transaction premium',
    'annual premium',
  ],
  commissionRate: [
    'commission rate',
    'commission percent',
    'rate',
    'percent',
    'broker commission percent',
    'agency commission rate',
    'commission percentage',
  ],
  commission: [
    'commission',
    'commission amount',
    'commission due',
    'commission paid',
    'commission earned',
    'agent commission',
    'agency commission',
    'broker commission',
    'net commission',
    'amount paid',
    'commission payable',
  ],
  commissionDebit: ['debit', 'commission debit', 'dr', 'debit amount'],
  commissionCredit: ['credit', 'commission credit', 'cr', 'credit amount'],
  producerCode: [
    'producer code',
    'producer',
    'agent code',
    'agent',
    'agent number',
    'producer number',
    'sub code',
    'agency sub code',
    'producer id',
    'writing agent',
  ],
  lineOfBusiness: [
    'line of business',
    'lob',
    'line',
    'product',
    'coverage',
    'policy type',
    'lob code',
    'product line',
  ],
  currency: ['currency', 'currency code'],
};

const synonymTokens: Record<StatementField, string[]> = Object.fromEntries(
  statementFields.map((f) => [f, synonyms[f].map((s) => headerTokens(s).join(' '))]),
) as Record<StatementField, string[]>;

export interface FuzzyColumn {
  header: string;
  index: number;
  score: number;
  why: string;
}

/** How well one header cell names one field: 1 exact synonym, 0.8 a typo of one, 0.6 contains one. */
function fieldScore(headerText: string, field: StatementField): { score: number; why: string } {
  const tokens = headerTokens(headerText);
  const joined = tokens.join(' ');
  if (joined === '') return { score: 0, why: '' };
  let best = { score: 0, why: '' };
  for (const s of synonymTokens[field]) {
    if (joined === s) return { score: 1, why: `"${headerText}" is a name for ${field}` };
    // Lengths more than 2 apart are more than 2 edits apart: no distance is computed for a long cell.
    const near = s.length >= 6 && joined.length >= 6 && Math.abs(joined.length - s.length) <= 2;
    if (near && best.score < 0.8 && distance(joined, s) <= 2) {
      best = { score: 0.8, why: `"${headerText}" looks like a misspelling of "${s}"` };
    }
    const parts = s.split(' ');
    const containsAll = parts.every((p) => tokens.includes(p));
    if (containsAll && (parts.length >= 2 || s.length >= 5) && best.score < 0.6) {
      best = { score: 0.6, why: `"${headerText}" contains "${s}"` };
    }
  }
  return best;
}

/**
 * Assigns header cells to fields by the best scores first; each header and each field is used once.
 * `taken` holds header indexes already claimed by a preset or saved mapping.
 */
export function fuzzyMatchColumns(
  header: string[],
  taken: Set<number> = new Set(),
  minScore = 0.6,
): Partial<Record<StatementField, FuzzyColumn>> {
  const pairs: { field: StatementField; index: number; score: number; why: string; order: number }[] = [];
  header.forEach((h, index) => {
    if (taken.has(index) || h.trim() === '') return;
    statementFields.forEach((field, order) => {
      const { score, why } = fieldScore(h, field);
      if (score >= minScore) pairs.push({ field, index, score, why, order });
    });
  });
  pairs.sort((a, b) => b.score - a.score || a.order - b.order || a.index - b.index);
  const out: Partial<Record<StatementField, FuzzyColumn>> = {};
  const used = new Set<number>();
  for (const p of pairs) {
    if (out[p.field] || used.has(p.index)) continue;
    out[p.field] = { header: header[p.index]!.trim(), index: p.index, score: p.score, why: p.why };
    used.add(p.index);
  }
  // One way to name the insured and one way to give the commission, never both.
  if (out.insuredName) {
    delete out.insuredLastName;
    delete out.insuredFirstName;
  }
  if (out.commission) {
    delete out.commissionDebit;
    delete out.commissionCredit;
  } else if (!(out.commissionDebit && out.commissionCredit)) {
    delete out.commissionDebit;
    delete out.commissionCredit;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Header row
// ---------------------------------------------------------------------------------------------

function rowScore(cells: string[], candidateHeaders: Set<string>[]): number {
  const fields = new Set<StatementField>();
  for (const c of cells) {
    if (c.trim() === '') continue;
    for (const f of statementFields) if (fieldScore(c, f).score >= 0.8) fields.add(f);
  }
  let best = fields.size;
  for (const names of candidateHeaders) {
    const exact = new Set(cells.map(headerKey).filter((k) => names.has(k))).size;
    if (exact > best) best = exact;
  }
  return best;
}

/**
 * Whether a row further down a statement is the header of another table (a "Chargebacks" block
 * with columns of its own): it names a policy number and at least two more statement fields.
 */
export function namesStatementColumns(cells: string[]): boolean {
  const fields = new Set<StatementField>();
  for (const c of cells) {
    if (c.trim() === '' || c.length > 80) continue;
    for (const f of statementFields) if (fieldScore(c, f).score >= 0.8) fields.add(f);
  }
  return fields.has('policyNumber') && fields.size >= 3;
}

/**
 * The index (into `rows`) of the header row: the row that names the most statement fields, the
 * earliest on a tie. Titles and summary lines above it name one field at most.
 */
export function findHeaderRow(rows: RawRow[], candidates: ColumnMapping[] = []): number | null {
  const candidateHeaders = candidates.map((m) => new Set(allHeaders(m).map(headerKey)));
  let best: { index: number; score: number } | null = null;
  rows.slice(0, headerScanRows).forEach((r, index) => {
    const score = rowScore(r.cells, candidateHeaders);
    if (score > 0 && (!best || score > best.score)) best = { index, score };
  });
  const found = best as { index: number; score: number } | null;
  if (found) return found.index;
  const firstFilled = rows.findIndex((r) => r.cells.some((c) => c.trim() !== ''));
  return firstFilled === -1 ? null : firstFilled;
}

function allHeaders(m: ColumnMapping): string[] {
  return Object.values(m.columns).flatMap((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
}

// ---------------------------------------------------------------------------------------------
// Mapping choice
// ---------------------------------------------------------------------------------------------

export interface DetectOptions {
  carrierKey?: string;
  savedMapping?: ColumnMapping;
}

export type LayoutDetection =
  | {
      ok: true;
      headerIndex: number;
      header: string[];
      mapping: ColumnMapping;
      source: MappingSource;
      presetKey: string | null;
      explanation: string[];
    }
  | {
      ok: false;
      headerIndex: number | null;
      header: string[];
      /** Required fields no candidate could find, with example header names. */
      missing: { field: StatementField; examples: string[] }[];
      explanation: string[];
    };

const fieldLabels: Record<StatementField, string> = {
  policyNumber: 'policy number',
  insuredName: 'insured name',
  insuredLastName: 'insured last name',
  insuredFirstName: 'insured first name',
  transactionType: 'transaction type',
  effectiveDate: 'effective date',
  transactionDate: 'transaction date',
  premium: 'premium',
  commissionRate: 'commission rate',
  commission: 'commission amount',
  commissionDebit: 'commission debit',
  commissionCredit: 'commission credit',
  producerCode: 'producer code',
  lineOfBusiness: 'line of business',
  currency: 'currency',
};

export function describeField(field: StatementField): string {
  return fieldLabels[field];
}

const exampleHeaders: Partial<Record<StatementField, string[]>> = {
  policyNumber: ['Policy Number', 'Pol #', 'Policy No'],
  insuredName: ['Insured Name', 'Named Insured', 'Customer'],
  effectiveDate: ['Effective Date', 'Eff Date', 'Policy Eff Date'],
  commission: ['Commission Amount', 'Comm Amt', 'or Debit and Credit'],
};

interface Candidate {
  source: MappingSource;
  preset: StatementPreset | null;
  mapping: ColumnMapping;
  label: string;
}

/** For a mapping built from headers alone: guess the conventions from the sample values. */
function guessConventions(
  mapping: ColumnMapping,
  header: string[],
  samples: RawRow[],
  explanation: string[],
) {
  const resolved = resolveColumns(mapping, header);
  const valuesOf = (field: StatementField) =>
    samples
      .flatMap((r) => (resolved.index[field] ?? []).map((i) => (r.cells[i] ?? '').trim()))
      .filter((v) => v !== '');
  if (mapping.columns.commissionDebit) mapping.signConvention = 'debit-credit';

  const rates = valuesOf('commissionRate');
  if (
    rates.length > 0 &&
    rates.every((v) => !v.includes('%') && Number(v) <= 1) &&
    rates.some((v) => Number(v) > 0)
  ) {
    mapping.rateFormat = 'fraction';
    explanation.push(
      `Rates: every sample rate is at most 1 (e.g. "${rates[0]}"), so rates are read as fractions.`,
    );
  }
  const names = valuesOf('insuredName');
  if (names.length > 0 && names.filter((n) => n.includes(',')).length * 2 > names.length) {
    mapping.nameOrder = 'last-first';
  }
}

/**
 * Finds the header among the first rows and chooses the mapping that reads the file. `rows` are the
 * first rows of the file (up to headerScanRows and a few data rows after the header, which serve as
 * samples for the date format and the conventions).
 */
export function detectStatementLayout(rows: RawRow[], opts: DetectOptions = {}): LayoutDetection {
  const explanation: string[] = [];
  const carrierPreset = opts.carrierKey ? presetForCarrier(opts.carrierKey) : null;
  const candidates: Candidate[] = [];
  if (opts.savedMapping) {
    candidates.push({
      source: 'saved',
      preset: null,
      mapping: opts.savedMapping,
      label: `saved mapping "${opts.savedMapping.name}" (v${opts.savedMapping.version})`,
    });
  }
  if (carrierPreset) {
    candidates.push({
      source: 'preset',
      preset: carrierPreset,
      mapping: carrierPreset.mapping,
      label: `${carrierPreset.label} preset`,
    });
  } else if (opts.carrierKey) {
    explanation.push(`No preset exists for carrier ${opts.carrierKey}.`);
  }
  const otherPresets = opts.carrierKey ? [] : statementPresets.filter((p) => p.carrierKey !== null);
  const allCandidateMappings = [
    ...candidates.map((c) => c.mapping),
    ...otherPresets.map((p) => p.mapping),
    genericPreset.mapping,
  ];

  const headerIndex = findHeaderRow(rows, allCandidateMappings);
  if (headerIndex === null) {
    return {
      ok: false,
      headerIndex: null,
      header: [],
      missing: [],
      explanation: ['The file has no rows with text.'],
    };
  }
  const header = rows[headerIndex]!.cells.map((c) => c.trim());
  const samples = rows.slice(headerIndex + 1, headerIndex + 21);
  explanation.push(
    headerIndex === 0
      ? `Header: row ${rows[0]!.row} (the first row).`
      : `Header: row ${rows[headerIndex]!.row}; the ${headerIndex} row(s) above it name no statement columns and are read as the statement's title.`,
  );

  const finish = (c: Candidate, mapping: ColumnMapping): LayoutDetection => {
    return {
      ok: true,
      headerIndex,
      header,
      mapping,
      source: c.source,
      presetKey: c.preset?.key ?? null,
      explanation,
    };
  };

  /**
   * A candidate whose required columns are all present is used; columns it maps that the file
   * lacks are dropped, and fields it does not map are filled by fuzzy matching on the headers
   * nobody claimed, each noted in the explanation.
   */
  const tryCandidate = (c: Candidate): LayoutDetection | null => {
    const resolved = resolveColumns(c.mapping, header);
    const total = resolved.missing.length + Object.values(resolved.index).flat().length;
    if (resolved.missingRequired.length > 0) {
      explanation.push(
        `Not the ${c.label}: the file lacks its ${resolved.missing.map((m) => `"${m.header}"`).join(', ')} column(s), so no ${resolved.missingRequired.map(describeField).join(', ')}.`,
      );
      return null;
    }
    const mapping = structuredClone(c.mapping);
    for (const m of resolved.missing) {
      delete (mapping.columns as Record<string, unknown>)[m.field];
      explanation.push(
        `The ${c.label} reads "${m.header}" as ${describeField(m.field)}, but the file has no such column.`,
      );
    }
    const taken = new Set(Object.values(resolved.index).flat());
    const extra = fuzzyMatchColumns(header, taken, 0.8);
    for (const [field, col] of Object.entries(extra) as [StatementField, typeof extra.policyNumber][]) {
      if (!col || field in mapping.columns) continue;
      if ((field === 'insuredLastName' || field === 'insuredFirstName') && mapping.columns.insuredName)
        continue;
      if ((field === 'commissionDebit' || field === 'commissionCredit') && mapping.columns.commission)
        continue;
      if (field === 'commission' && mapping.columns.commissionDebit) continue;
      (mapping.columns as Record<string, unknown>)[field] = col.header;
      explanation.push(`Added ${describeField(field)} ← "${col.header}" (${col.why}).`);
    }
    explanation.push(
      `Chosen: the ${c.label} (${total - resolved.missing.length} of ${total} mapped columns found).`,
    );
    return finish(c, mapping);
  };

  for (const c of candidates) {
    const chosen = tryCandidate(c);
    if (chosen) return chosen;
  }

  if (otherPresets.length > 0) {
    // Without a carrier, a preset is only trusted when every header it names is present.
    let best: { preset: StatementPreset; found: number } | null = null;
    for (const p of otherPresets) {
      const r = resolveColumns(p.mapping, header);
      const found = Object.values(r.index).flat().length;
      if (r.missing.length === 0 && (!best || found > best.found)) best = { preset: p, found };
    }
    if (best) {
      explanation.push(`Carrier not given: every header of the ${best.preset.label} preset is present.`);
      const chosen = tryCandidate({
        source: 'preset',
        preset: best.preset,
        mapping: best.preset.mapping,
        label: `${best.preset.label} preset`,
      });
      if (chosen) return chosen;
    }
  }

  const generic: Candidate = {
    source: 'generic',
    preset: genericPreset,
    mapping: genericPreset.mapping,
    label: 'generic preset',
  };
  const genericResolved = resolveColumns(generic.mapping, header);
  if (genericResolved.missing.length === 0) {
    const chosen = tryCandidate(generic);
    if (chosen) return chosen;
  } else {
    explanation.push(`Not the generic preset: ${genericResolved.missing.length} of its headers are missing.`);
  }

  // Fuzzy: columns from header names, conventions from the best-known base for this carrier.
  const base = candidates[0]?.mapping ?? genericPreset.mapping;
  const fuzzy = fuzzyMatchColumns(header);
  const found = Object.fromEntries(Object.entries(fuzzy).map(([f, c]) => [f, [c!.index]]));
  const missingRequired = requiredFieldsMissing(found);
  for (const [field, col] of Object.entries(fuzzy) as [StatementField, typeof fuzzy.policyNumber][]) {
    if (col) explanation.push(`Fuzzy: ${describeField(field)} ← "${col.header}" (${col.why}).`);
  }
  if (missingRequired.length > 0) {
    explanation.push(`No mapping fits: missing ${missingRequired.map(describeField).join(', ')}.`);
    return {
      ok: false,
      headerIndex,
      header,
      missing: missingRequired.map((field) => ({ field, examples: exampleHeaders[field] ?? [] })),
      explanation,
    };
  }
  const columns: Record<string, string> = {};
  for (const [field, col] of Object.entries(fuzzy)) if (col) columns[field] = col.header;
  const mapping: ColumnMapping = {
    ...structuredClone(base),
    name: `Fuzzy header match${opts.carrierKey ? ` for ${opts.carrierKey}` : ''}`,
    carrierKey: opts.carrierKey ?? null,
    version: 1,
    columns: columns as ColumnMapping['columns'],
  };
  const baseCandidate = candidates[0];
  if (baseCandidate)
    explanation.push(
      `Fuzzy mapping keeps the conventions (dates, signs, codes) of the ${baseCandidate.label}.`,
    );
  else guessConventions(mapping, header, samples, explanation);
  explanation.push('Chosen: fuzzy header matching.');
  return finish({ source: 'fuzzy', preset: carrierPreset, mapping, label: 'fuzzy match' }, mapping);
}
