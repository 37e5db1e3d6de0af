// A connector is a folder plus a registry line: api/, activities/, workflows/ and runtime/ know
// vendors only through connectors/registry.ts (their category, connect form, crm and accounting
// capabilities, demo declaration), never by name. This scans those folders, comments included,
// for every registered provider's id (any case, `-`, `_`, space or nothing between its words)
// and display names. A hit is a provider branch (or a vendor fact) that belongs in the vendor's
// folder; only the explicit allowlist below may stay, each entry with its reason.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { registry } from '../../connectors/registry.ts';
import { providerIds } from '../../connectors/types.ts';

const root = join(import.meta.dirname, '..', '..');
const folders = ['api', 'activities', 'workflows', 'runtime'];

/** What may name a vendor, by file and the text of the line. */
const allowlist: { file: string; line: string; why: string }[] = [
  {
    file: 'api/routes/statements.ts',
    line: "path: '/v1/statements/quickbooks-deposits',",
    why: 'a public path clients call; renaming it would break them',
  },
  {
    file: 'api/routes/inbound.ts',
    line: "'a system name such as applied_epic'",
    why: 'an example in a validation message for free-text inbound system names',
  },
  {
    file: 'api/routes/inbound.ts',
    line: "description: 'The system that pushes (applied_epic, ezlynx, turborater, hubspot, …).'",
    why: 'examples in the OpenAPI description of a free-text field',
  },
];

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return files(path);
    return /\.(ts|tsx|js|mjs|html|css)$/.test(e.name) ? [path] : [];
  });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** "applied-epic" matches applied-epic, applied_epic, APPLIED_EPIC, appliedEpic, Applied Epic. */
const loose = (name: string) =>
  name
    .split(/[-_\s]+/)
    .map(escapeRegExp)
    .join('[-_\\s]?');

const names = new Set<string>(providerIds);
for (const entry of Object.values(registry)) {
  if (!entry) continue;
  const d = entry.connector.definition;
  names.add(d.provider);
  names.add(d.displayName);
  if (d.shortName) names.add(d.shortName);
}
const pattern = new RegExp([...names].map(loose).join('|'), 'i');

test('no provider is named in api/, activities/, workflows/ or runtime/ outside registry wiring', () => {
  const hits: string[] = [];
  for (const folder of folders)
    for (const path of files(join(root, folder))) {
      const file = relative(root, path);
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (!pattern.test(text)) return;
          if (allowlist.some((a) => a.file === file && text.includes(a.line))) return;
          hits.push(`${file}:${i + 1}: ${text.trim()}`);
        });
    }
  expect(hits).toEqual([]);
});

test('every allowlisted line still exists (a stale entry is removed, not kept)', () => {
  for (const a of allowlist) expect(readFileSync(join(root, a.file), 'utf8')).toContain(a.line);
});

test('the scan recognises a provider however it is written', () => {
  for (const text of [
    "if (provider === 'quickbooks')",
    'APPLIED_EPIC_CLIENT_ID',
    'appliedEpicDefinition',
    'posts to QuickBooks Online',
    'HawkSoft',
  ])
    expect(pattern.test(text), text).toBe(true);
  expect(pattern.test('const connector = registered(provider).connector;')).toBe(false);
});
