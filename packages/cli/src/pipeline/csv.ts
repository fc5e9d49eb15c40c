/**
 * CSV cells a spreadsheet cannot execute. Image names and error messages come from the dataset;
 * a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be taken as a
 * formula by Excel, LibreOffice or Google Sheets (`=HYPERLINK(...)`), so such a cell is prefixed
 * with a single quote and quoted, as OWASP's CSV-injection guidance says. Numbers are written as
 * numbers (a negative score stays a number); only text is neutralised.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\n\r]/;

/** One CSV field: numbers as they are, text quoted where needed and defused where it could run. */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  if (FORMULA_START.test(value)) return `"'${value.replace(/"/g, '""')}"`;
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV line, newline included. */
export function csvRow(cells: readonly (string | number)[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}
