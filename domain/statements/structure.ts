// The rows of a statement that are not statement lines, told apart the way a person reading it
// does: a title and preamble above the header, the header repeated on every printed page, section
// headers ("Producer: P101 Jane Doe", "PERSONAL AUTO"), subtotals and totals in all the wordings
// carriers print ("TOTAL COMMISSION DUE:", "Subtotal Nov 2025", "P101 Total", "Net Commission
// Payable"), a balance carried forward, blank separators and notes ("Page 2 of 3"). The statement
// period is read from the preamble when it is there.
import { type DayMonthOrder, parseDate } from './values.ts';

/** A summary row: what its label says it sums. */
export type SummaryKind = 'total' | 'subtotal' | 'balance_forward';

/** A label as compared: lower case, single spaces, without the punctuation that decorates it. */
function labelKey(text: string): string {
  return (
    text
      .toLowerCase()
      // "(2 items)", "(14 lines)", "(continued)": a count or remark beside the label.
      .replace(/\((?:\d+\s+)?(?:items?|lines?|transactions?|policies|records?|continued|cont'?d)\)/g, ' ')
      .replace(/[*=_:.]+/g, ' ')
      .replace(/[-–—]+\s*$/g, '')
      .replace(/^\s*[-–—]+/g, '')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

const balanceForward =
  /^(?:balance\s+(?:brought\s+|carried\s+)?(?:forward|fwd)|bal\s+(?:fwd|forward)|(?:previous|prior|beginning|opening|starting)\s+balance|(?:brought|carried)\s+forward)\b/;

/** Whole-statement totals: what the statement pays in all. */
const grandTotal = new RegExp(
  '^(?:' +
    [
      'grand\\s+totals?',
      'totals?',
      '(?:report|statement|agency|overall|final)\\s+totals?',
      'totals?\\s+(?:for\\s+)?(?:this\\s+)?(?:statement|report|period|agency)',
      'total\\s+(?:net\\s+)?(?:agent\\s+|agency\\s+|producer\\s+)?(?:commissions?|premiums?|comm)(?:\\s+(?:due|paid|payable|earned|amount|this\\s+statement))*',
      'total\\s+(?:activity|transactions|items|all|statement\\s+activity|current\\s+period|this\\s+period)',
      '(?:activity|transaction)\\s+total',
      'total\\s+(?:amount\\s+)?(?:due|paid|payable)(?:\\s+(?:to\\s+)?(?:agency|agent|you))?',
      'total\\s+amount',
      'total\\s+payments?',
      'total\\s+this\\s+statement',
      'net\\s+commissions?(?:\\s+(?:due|paid|payable|earned))?',
      '(?:net\\s+)?amount\\s+(?:due|payable|paid)(?:\\s+(?:to\\s+)?(?:agency|agent|you))?',
      'net\\s+(?:due|payable|paid)',
      'balance\\s+due',
      'commissions?\\s+(?:due|payable)',
      'payment\\s+(?:total|amount)',
      'check\\s+(?:total|amount)',
      'total\\s+check(?:\\s+amount)?',
      'eft\\s+(?:total|amount)',
      '(?:ending|closing|statement)\\s+balance',
    ].join('|') +
    ')$',
);

const months =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
/** What a subtotal is "for": a code with digits, a month, or a grouping word. */
const groupWords = new RegExp(
  `\\d|\\b(?:${months})\\b|\\b(?:agent|agents|producer|producers|sub\\s?code|agency\\s+code|code|lob|line|lines|branch|office|region|month|state|company|product|personal|commercial|auto|home|group)\\b`,
);

/**
 * What a label says the row sums, or null when it is not a summary label. "Total Fitness LLC" is
 * an insured, not a total: after "total" only the words statements use may follow, and a
 * subtotal names its group (a code, a month, a producer).
 */
export function summaryLabel(text: string): SummaryKind | null {
  const key = labelKey(text);
  if (key === '' || key.length > 80) return null;
  if (balanceForward.test(key)) return 'balance_forward';
  if (grandTotal.test(key)) return 'total';
  if (/^sub\s?-?\s?totals?\b/.test(key)) return 'subtotal';
  const words = key.split(' ');
  if (words.length > 8) return null;
  // "P101 Total", "Agent 12 Totals", "Personal Auto Total", "Nov 2025 Total"
  if (/\btotals?$/.test(key) && words.length >= 2) return 'subtotal';
  // "Total Chargebacks", "Total Adjustments": the total of one block of the statement.
  if (
    /^totals?\s+(?:chargebacks?|returns?|return\s+commissions?|adjustments?|credits?|debits?|fees?|deductions?|cancellations?|new\s+business|renewals?|endorsements?|advances?)$/.test(
      key,
    )
  )
    return 'subtotal';
  // "Total for Agent 12", "Total P101", "Total Producer P101", "Total Nov 2025"
  const rest = /^totals?\s+(?:for\s+|of\s+)?(.+)$/.exec(key);
  if (rest && groupWords.test(rest[1]!)) return 'subtotal';
  return null;
}

/** Section headers name a group the following lines belong to. */
const sectionWords = new RegExp(
  `^(?:(?:writing\\s+)?(?:agent|producer|agency|sub\\s?-?\\s?code|agency\\s+code|branch|office|region|line\\s+of\\s+business|lob|product|company|writing\\s+company|carrier|state|department|division|account\\s+executive|csr)\\b|(?:personal|commercial)\\s+(?:lines?|auto|property|package|umbrella)\\b|(?:${months})\\b.*\\d{4}$)`,
);
const knownLines =
  /^(?:personal|commercial|auto(?:mobile)?|homeowners?|home|dwelling(?:\s+fire)?|umbrella|business\s?owners?|general\s+liability|workers'?\s+comp(?:ensation)?|property|inland\s+marine|professional\s+liability|life|health|farm|boat|motorcycle|flood|renters|condo)(?:\s+\w+){0,3}$/;
const noteWords =
  /\b(?:page\s+\d+|continued|end\s+of\s+(?:report|statement)|confidential|questions|please|call|contact|www\.|https?:|@|printed|run\s+date|report\s+date|generated|note|notes|disclaimer|\*\*\*)/;

/**
 * A row of text only (no amount): a section header, a note, or null when its words say neither
 * (a policy number standing alone is a line missing its amount, not a note).
 */
export function textRowKind(texts: readonly string[]): 'section' | 'note' | null {
  const key = labelKey(texts.join(' '));
  if (noteWords.test(key)) return 'note';
  if (sectionWords.test(key) || knownLines.test(key)) return 'section';
  return null;
}

// ---------------------------------------------------------------------------------------------
// The statement period, from the preamble
// ---------------------------------------------------------------------------------------------

export interface StatementPeriod {
  start: string | null;
  end: string | null;
  statementDate: string | null;
  /** The preamble text each was read from. */
  evidence: string[];
}

const monthIndex = (name: string): number => {
  const n = name.slice(0, 3).toLowerCase();
  return ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'].indexOf(n) + 1;
};

function monthBounds(year: number, month: number): { start: string; end: string } {
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const mm = String(month).padStart(2, '0');
  return { start: `${year}-${mm}-01`, end: `${year}-${mm}-${String(last).padStart(2, '0')}` };
}

/** A month written "2025-11", "2025/11" or "11/2025" (not part of a full date). */
function yearMonthIn(text: string): [number, number] | null {
  const ym = /\b(20\d{2})[-/](0[1-9]|1[0-2])\b(?![-/]\d)/.exec(text);
  if (ym) return [Number(ym[1]), Number(ym[2])];
  const my = /(?<![\d/])(0?[1-9]|1[0-2])\/(20\d{2})\b/.exec(text);
  return my ? [Number(my[2]), Number(my[1])] : null;
}

const dateText = `(?:\\d{1,4}[-/.]\\d{1,2}[-/.]\\d{2,4}|(?:${months})\\.?\\s+\\d{1,2},?\\s+\\d{4}|\\d{1,2}[-\\s](?:${months})[-\\s]\\d{2,4})`;

/**
 * The period and date a statement's preamble states: "Statement Period: 11/01/2025 - 11/30/2025",
 * "For the month of November 2025", "Period Ending 11/30/2025", "Statement Date: 12/05/2025",
 * "Commission Detail - 2025-11". Null fields when the preamble does not say.
 */
export function statementPeriod(preamble: readonly string[], order: DayMonthOrder = 'mdy'): StatementPeriod {
  const out: StatementPeriod = { start: null, end: null, statementDate: null, evidence: [] };
  // The columns' day/month order first; dates that only read the other way together are read that
  // way (a title is typed by a person, not by the report writer that printed the columns).
  const orders: DayMonthOrder[] = [order, order === 'mdy' ? 'dmy' : 'mdy'];
  const readAll = (texts: string[]): string[] | null => {
    for (const o of orders) {
      const read = texts.map((t) => parseDate(t.replace(/,/g, ' ').replace(/\s+/g, ' '), o));
      if (read.every((d) => d.ok)) return read.map((d) => (d as { value: string }).value);
    }
    return null;
  };
  const date = (text: string) => readAll([text])?.[0] ?? null;
  for (const line of preamble) {
    const text = line.replace(/\s+/g, ' ').trim();
    const lower = text.toLowerCase();
    if (out.start === null) {
      const range = new RegExp(`(${dateText})\\s*(?:-|–|—|to|thru|through)\\s*(${dateText})`, 'i').exec(text);
      if (range && /period|from|statement|dates?|month|commission|activity/i.test(text)) {
        const [start, end] = readAll([range[1]!, range[2]!]) ?? [null, null];
        if (start && end && start <= end) {
          out.start = start;
          out.end = end;
          out.evidence.push(text);
          continue;
        }
      }
      const ending = new RegExp(`(?:period|month)\\s+end(?:ing|ed)?:?\\s*(${dateText})`, 'i').exec(text);
      if (ending) {
        const end = date(ending[1]!);
        if (end) {
          const b = monthBounds(Number(end.slice(0, 4)), Number(end.slice(5, 7)));
          out.start = end.endsWith(b.end.slice(8)) ? b.start : null;
          out.end = end;
          out.evidence.push(text);
          continue;
        }
      }
      const named = new RegExp(`\\b(${months})\\.?,?\\s+(\\d{4})\\b`, 'i').exec(text);
      const monthOf =
        /(?:month|period|statement|commission|for)\b/i.test(lower) &&
        !/\d{1,2},?\s+\d{4}/.test(named?.[0] ?? '');
      if (named && monthOf && !new RegExp(`(${months})\\.?\\s+\\d{1,2},`, 'i').test(text)) {
        const b = monthBounds(Number(named[2]), monthIndex(named[1]!));
        out.start = b.start;
        out.end = b.end;
        out.evidence.push(text);
        continue;
      }
      const yearMonth = yearMonthIn(text);
      if (yearMonth && /statement|commission|period|detail|month/i.test(lower)) {
        const b = monthBounds(yearMonth[0], yearMonth[1]);
        out.start = b.start;
        out.end = b.end;
        out.evidence.push(text);
        continue;
      }
    }
    if (out.statementDate === null) {
      const stated = new RegExp(
        `(?:statement|check|payment|run|report|cycle|process(?:ed)?)\\s+date:?\\s*(${dateText})`,
        'i',
      ).exec(text);
      if (stated) {
        const d = date(stated[1]!);
        if (d) {
          out.statementDate = d;
          out.evidence.push(text);
        }
      }
    }
  }
  return out;
}
