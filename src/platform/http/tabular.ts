import writeXlsxFile from 'write-excel-file/node';

/** A table to download: headers and rows of text or numbers. */
export interface Tabular {
  /** A worksheet name (at most 31 characters; Excel's limit). */
  name: string;
  headers: readonly string[];
  rows: readonly (readonly (string | number | null)[])[];
}

/**
 * A cell for CSV. Text that a spreadsheet would read as a formula (starting =, +, -, @, tab or
 * carriage return) gets a leading apostrophe, so a name or note typed by a caller can never run as
 * one (OWASP "CSV injection"); numbers are written as numbers.
 */
export function csvCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 CSV with CRLF line ends and a byte-order mark, so Excel reads UTF-8 names correctly. */
export function toCsv(t: Pick<Tabular, 'headers' | 'rows'>): string {
  const lines = [t.headers, ...t.rows].map((r) => r.map(csvCell).join(','));
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** An .xlsx workbook, one worksheet per table, headers in bold. Values stay typed (text as text). */
export async function toXlsx(tables: readonly Tabular[]): Promise<Buffer> {
  const sheets = tables.map((t) => ({
    sheet: t.name.replace(/[\\/?*[\]:]/g, ' ').slice(0, 31),
    data: [
      t.headers.map((h) => ({ value: h, fontWeight: 'bold' as const })),
      ...t.rows.map((r) => r.map((v) => (v === null ? null : typeof v === 'number' ? { value: v, type: Number } : { value: v, type: String }))),
    ],
  }));
  return writeXlsxFile(sheets as never).toBuffer();
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
