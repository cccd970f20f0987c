/** RFC 4180 lines: fields joined by commas, CRLF at the end. */
export type CsvValue = string | number | boolean | null;

/**
 * Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection"):
 * a model name or an upstream error could carry one.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One field: text that a spreadsheet would run gets a leading `'`; quotes, commas and line breaks are quoted. */
export function csvCell(value: CsvValue): string {
  if (value === null) return "";
  if (typeof value !== "string") return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
