import { describe, expect, it } from "vitest";
import { csvCell, csvLine } from "@/lib/usage/csv";

describe("CSV cells", () => {
  it("quotes what would break a row and doubles quotes", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("cr\rhere")).toBe('"cr\rhere"');
  });

  it("writes null as empty, numbers and booleans as they are", () => {
    expect(csvLine([1, null, true, false, 0])).toBe("1,,true,false,0\r\n");
  });

  it("puts a ' before text a spreadsheet would run as a formula", () => {
    for (const value of ["=1+2", "+A1", "-2+3", "@SUM(A1)", "\tx"]) expect(csvCell(value)).toBe(`'${value}`);
    expect(csvCell('=HYPERLINK("x", "y")')).toBe(`"'=HYPERLINK(""x"", ""y"")"`);
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell(-1)).toBe("-1");
  });
});
