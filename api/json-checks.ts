// Checks on a JSON body before any route sees it: how deep it nests (counted on the text, so a
// 5,000-level document is refused before it is parsed), and, once parsed, every string and key
// storable (no NUL, no unpaired surrogate) and every array within the item limit. Each finding
// names the field, the way validation errors do.
import { isStorableText } from './fields.ts';
import { limits } from './limits.ts';

/** The deepest nesting of objects and arrays in JSON text, stopping once past `max`. */
export function jsonDepth(text: string, max: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) inString = true;
    else if (ch === 0x7b || ch === 0x5b) {
      depth++;
      if (depth > deepest) deepest = depth;
      if (deepest > max) return deepest;
    } else if (ch === 0x7d || ch === 0x5d) depth--;
  }
  return deepest;
}

export interface FieldFinding {
  field: string;
  message: string;
}

/** The first findings (at most 20) in a parsed body. */
export function jsonFindings(value: unknown): FieldFinding[] {
  const found: FieldFinding[] = [];
  const visit = (v: unknown, path: string[]): void => {
    if (found.length >= 20) return;
    if (typeof v === 'string') {
      if (!isStorableText(v))
        found.push({ field: path.join('.'), message: 'contains a NUL character or an unpaired surrogate' });
    } else if (Array.isArray(v)) {
      if (v.length > limits.arrayItems)
        found.push({ field: path.join('.'), message: `at most ${limits.arrayItems} items` });
      else for (const [i, item] of v.entries()) visit(item, [...path, String(i)]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (!isStorableText(k))
          found.push({
            field: [...path, k].join('.'),
            message: 'a key with a NUL character or an unpaired surrogate',
          });
        else visit(item, [...path, k]);
      }
    }
  };
  visit(value, []);
  return found;
}
