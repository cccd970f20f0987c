/**
 * A strict reader of Prometheus' text exposition format (version 0.0.4), for tests: any line it
 * does not understand, a sample without a declared family, a series given twice or a histogram
 * whose buckets do not add up is an error, not something skipped.
 */
export type Sample = { name: string; labels: Record<string, string>; value: number };
export type Family = { name: string; type: string; help: string; samples: Sample[] };
export type Exposition = Map<string, Family>;

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const SUFFIXES: Record<string, string[]> = { histogram: ["_bucket", "_sum", "_count"], summary: ["_sum", "_count"] };

function parseValue(text: string, line: string): number {
  // Prometheus reads values with Go's ParseFloat, which takes these words in any case (prom-client writes "Nan").
  if (/^\+?inf(inity)?$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf(inity)?$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number "${text}" in: ${line}`);
  return Number(text);
}

/** `{a="x",b="y\"z"}` from `start` (the "{"); returns the labels and the index after "}". */
function parseLabels(line: string, start: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let at = start + 1;
  for (;;) {
    if (line[at] === "}") return { labels, end: at + 1 };
    const eq = line.indexOf("=", at);
    if (eq === -1) throw new Error(`label without "=" in: ${line}`);
    const name = line.slice(at, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name "${name}" in: ${line}`);
    if (name in labels) throw new Error(`label "${name}" given twice in: ${line}`);
    if (line[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let value = "";
    at = eq + 2;
    for (;;) {
      const char = line[at];
      if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (char === '"') break;
      if (char === "\\") {
        const next = line[at + 1];
        if (next === "n") value += "\n";
        else if (next === "\\" || next === '"') value += next;
        else throw new Error(`bad escape in: ${line}`);
        at += 2;
        continue;
      }
      value += char;
      at += 1;
    }
    labels[name] = value;
    at += 1;
    if (line[at] === ",") at += 1;
    else if (line[at] !== "}") throw new Error(`expected "," or "}" in: ${line}`);
  }
}

function familyOf(exposition: Exposition, sampleName: string): Family | undefined {
  const exact = exposition.get(sampleName);
  if (exact) return exact;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = exposition.get(sampleName.slice(0, -suffix.length));
    if (family && SUFFIXES[family.type]?.includes(suffix)) return family;
  }
  return undefined;
}

function checkHistogram(family: Family): void {
  const groups = new Map<string, Sample[]>();
  for (const sample of family.samples) {
    if (!sample.name.endsWith("_bucket")) continue;
    const { le, ...rest } = sample.labels;
    if (le === undefined) throw new Error(`${family.name}: bucket without "le"`);
    const key = JSON.stringify(rest);
    groups.set(key, [...(groups.get(key) ?? []), sample]);
  }
  for (const [key, buckets] of groups) {
    const counts = buckets.map((bucket) => bucket.value);
    if (counts.some((count, index) => index > 0 && count < (counts[index - 1] as number))) throw new Error(`${family.name}${key}: buckets not cumulative`);
    const last = buckets.at(-1);
    if (last?.labels.le !== "+Inf") throw new Error(`${family.name}${key}: no +Inf bucket last`);
    const count = family.samples.find((sample) => sample.name === `${family.name}_count` && JSON.stringify(sample.labels) === key);
    if (count?.value !== last.value) throw new Error(`${family.name}${key}: _count ${count?.value} differs from the +Inf bucket ${last.value}`);
  }
}

export function parsePrometheusText(text: string): Exposition {
  const exposition: Exposition = new Map();
  const seen = new Set<string>();
  if (!text.endsWith("\n")) throw new Error("exposition does not end with a newline");
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("#")) {
      const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!meta) continue; // a plain comment
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      const family = exposition.get(name) ?? { name, type: "untyped", help: "", samples: [] };
      if (kind === "TYPE") {
        if (!TYPES.has(rest)) throw new Error(`unknown type in: ${line}`);
        if (family.samples.length > 0) throw new Error(`TYPE after samples in: ${line}`);
        family.type = rest;
      } else family.help = rest.replace(/\\n/g, "\n").replace(/\\\\/g, "\\");
      exposition.set(name, family);
      continue;
    }
    const nameEnd = line.search(/[{ ]/);
    if (nameEnd <= 0) throw new Error(`not a sample: ${line}`);
    const name = line.slice(0, nameEnd);
    if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
    let labels: Record<string, string> = {};
    let at = nameEnd;
    if (line[at] === "{") ({ labels, end: at } = parseLabels(line, at));
    const fields = line.slice(at).trim().split(/\s+/);
    if (line[at] !== " " || fields.length < 1 || fields.length > 2) throw new Error(`expected " value [timestamp]" in: ${line}`);
    const value = parseValue(fields[0] as string, line);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) throw new Error(`bad timestamp in: ${line}`);
    const family = familyOf(exposition, name);
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(series)) throw new Error(`series given twice: ${line}`);
    seen.add(series);
    family.samples.push({ name, labels, value });
  }
  for (const family of exposition.values()) if (family.type === "histogram") checkHistogram(family);
  return exposition;
}

/** The value of the sample named `name` with exactly these labels; 0 when there is none (a counter not yet moved). */
export function sampleValue(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  const sample = familyOf(exposition, name)?.samples.find((candidate) => candidate.name === name && JSON.stringify(Object.entries(candidate.labels).sort()) === wanted);
  return sample?.value ?? 0;
}

/** Every value the label takes among the family's samples. */
export function labelValues(exposition: Exposition, name: string, label: string): Set<string> {
  return new Set((exposition.get(name)?.samples ?? []).map((sample) => sample.labels[label]).filter((value): value is string => value !== undefined));
}
