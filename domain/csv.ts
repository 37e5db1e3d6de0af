// One CSV field for files people open in spreadsheets: RFC 4180 quoting, and text a spreadsheet
// would run as a formula (=, +, -, @, tab, CR at the start) prefixed with ' — plain signed
// numbers excepted, so amounts stay numbers.
export function csvField(value: string): string {
  const formula = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value);
  const safe = formula ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
