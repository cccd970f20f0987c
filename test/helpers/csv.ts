/** RFC 4180, as a spreadsheet reads it: quoted fields may hold commas, quotes ("") and line breaks; lines end in CRLF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] as string;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') (field += '"'), (i += 1);
      else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ",") row.push(field), (field = "");
    else if (char === "\r" && text[i + 1] === "\n") row.push(field), rows.push(row), (row = []), (field = ""), (i += 1);
    else field += char;
  }
  if (field !== "" || row.length > 0) throw new Error("the CSV does not end with a complete line (CRLF)");
  return rows;
}
