/**
 * CSV cells a spreadsheet cannot execute. Image names and error messages come from the dataset;
 * a text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return would be taken as a
 * formula by Excel, LibreOffice or Google Sheets (`=HYPERLINK(...)`), so such a cell is prefixed
 * with a single quote and quoted, as OWASP's CSV-injection guidance says. Numbers are written as
 * numbers (a negative score stays a number); only text is neutralised.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\n\r]/;

/**
 * Control characters (C0, DEL, C1) written as JSON escapes (`\n`, `\u0000`): no raw NUL, escape
 * sequence or line break reaches a terminal or a spreadsheet from a message or a name.
 */
function escapeControls(text: string): string {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x20 && (c < 0x7f || c > 0x9f)) continue;
    const escaped = c < 0x20 ? JSON.stringify(text[i]).slice(1, -1) : `\\u${c.toString(16).padStart(4, '0')}`;
    out += text.slice(from, i) + escaped;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** One CSV field: numbers as they are, text quoted where needed and defused where it could run. */
export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  const text = escapeControls(value);
  if (FORMULA_START.test(value)) return `"'${text.replace(/"/g, '""')}"`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV line, newline included. */
export function csvRow(cells: readonly (string | number)[]): string {
  return `${cells.map(csvCell).join(',')}\n`;
}
