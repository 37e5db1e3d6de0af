// Where a browser may be sent back to after a flow on this site (OAuth connect's return_to): a
// path on this site only. Browsers and URL parsers disagree about backslashes, tabs, `%2e` and
// `/.//host`, so the value is normalised the way the WHATWG parser does and judged afterwards: it
// must still be on this origin and must not start with `//` (scheme-relative, another host).

const HERE = 'https://return-path.invalid';

/** The normalised path (with its query) or null when it could lead anywhere but this site. */
export function returnPath(raw: string): string | null {
  if (raw.length > 500 || !raw.startsWith('/')) return null;
  // Printable ASCII only: no backslash (a slash to browsers), no spaces or controls (stripped by parsers).
  if (!/^[\x21-\x7e]*$/.test(raw) || raw.includes('\\')) return null;
  // Encoded separators and dots turn into another path (or host) after one more decode somewhere.
  if (/%(2f|5c|2e|0[0-9a-f]|1[0-9a-f]|7f|25)/i.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw, HERE);
  } catch {
    return null;
  }
  if (url.origin !== HERE || !url.pathname.startsWith('/') || url.pathname.startsWith('//')) return null;
  return url.pathname + url.search;
}
