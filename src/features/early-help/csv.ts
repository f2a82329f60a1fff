/**
 * CSV for spreadsheets. A cell that starts with =, +, - or @ (or a tab or carriage return, which
 * some spreadsheets skip before reading a formula) is prefixed with a single quote, so that text a
 * caller or worker typed can never run as a formula when the Early Help team opens the export
 * (OWASP "CSV injection"). Then any cell with a comma, quote or line break is quoted.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  let s = String(value);
  if (typeof value === 'string' && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A header row and the rows, CRLF-separated as RFC 4180 says, ending with a line break. */
export function toCsv(header: string[], rows: (string | number | boolean | null | undefined)[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
