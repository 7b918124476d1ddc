/**
 * README's "Karpenter compatibility" tables stay true: every acted-on row names tests that exist, every refused row
 * quotes a message the code really shows, and every field the config parsers in `lib/api` read (their `known` and
 * `unsupported` lists) has a row. Rows marked `<!-- pending -->` (work whose proof is still being written) skip the
 * proof checks, are listed in the test output, and may not grow past {@link MAX_PENDING}.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SECTION = "## Karpenter compatibility";
/** Most rows that may wait for their proof. */
const MAX_PENDING = 25;
/** The tables, in README order. */
const KINDS = ["NodePool", "EC2NodeClass", "Provisioner", "AWSNodeTemplate"];
/** The parsers whose field lists must be covered. */
const PARSERS = [
  "nodepool.ts",
  "provisioner.ts",
  "nodeclass.ts",
  "nodeclass-fields.ts",
  "kubelet.ts",
  "placement-group.ts",
  "selectors.ts",
  "pool-fields.ts",
].map((f) => join("lib/api", f));

/** One table row. */
export interface CompatibilityRow {
  kind: string;
  field: string;
  status: "acted on" | "refused";
  proof: string;
  pending: boolean;
  line: number;
}

/** A test reference: `` `test/x.test.ts` › "title" ``. */
export interface TestRef {
  file: string;
  title: string;
}

const TEST_REF = /`(test\/[A-Za-z0-9_./-]+\.test\.ts)` › "([^"]+)"/g;
const REFUSED = /refused: "([^"]+)"/g;

/** The compatibility section of a README: the text from its heading to the next `## ` heading. */
export function compatibilitySection(readme: string): { text: string; firstLine: number } {
  const start = readme.indexOf(`\n${SECTION}\n`);
  assert.ok(start >= 0, `README has no "${SECTION}" section`);
  const end = readme.indexOf("\n## ", start + SECTION.length);
  return {
    text: readme.slice(start + 1, end < 0 ? undefined : end + 1),
    firstLine: readme.slice(0, start + 1).split("\n").length,
  };
}

/** The rows of every table in the section, each under the `### ` heading naming its kind. */
export function parseRows(section: string, firstLine = 1): CompatibilityRow[] {
  const rows: CompatibilityRow[] = [];
  let kind = "";
  section.split("\n").forEach((text, i) => {
    const heading = /^### (\S+)/.exec(text);
    if (heading) kind = heading[1];
    if (!text.startsWith("| ") || text.startsWith("| Field ") || text.startsWith("|---")) return;
    const pending = text.includes("<!-- pending -->");
    const body = text.replace(/<!-- pending -->\s*$/, "").trim();
    const cells = body
      .slice(1, -1)
      .split(" | ")
      .map((c) => c.trim());
    assert.equal(cells.length, 3, `README line ${firstLine + i}: a row has Field | Stevedore | Proof`);
    const [field, stevedore, proof] = cells;
    const status = stevedore.startsWith("acted on") ? "acted on" : stevedore.startsWith("refused") ? "refused" : "";
    assert.ok(status, `README line ${firstLine + i}: Stevedore must start with "acted on" or "refused"`);
    assert.match(stevedore, / — \S/, `README line ${firstLine + i}: Stevedore says how, or why not, after " — "`);
    rows.push({ kind, field, status, proof, pending, line: firstLine + i });
  });
  return rows;
}

/** The test references of a Proof cell. */
export function testRefs(proof: string): TestRef[] {
  return [...proof.matchAll(TEST_REF)].map((m) => ({ file: m[1], title: m[2] }));
}

/** The refusal fragments of a Proof cell. */
export function refusals(proof: string): string[] {
  return [...proof.matchAll(REFUSED)].map((m) => m[1]);
}

function escapeRegExp(s: string): string {
  return s.replace(/[$.*+?^(){}|[\]\\]/g, "\\$&");
}

/** Whether a test file has a test, suite or table case with exactly this title. */
export function hasTitle(source: string, title: string): boolean {
  const quoted = `(["'\`])${escapeRegExp(title)}\\1`;
  return new RegExp(`\\b(?:test|it|describe)\\(\\s*${quoted}|\\bname:\\s*${quoted}`).test(source);
}

function stringsIn(text: string): string[] {
  return [...text.matchAll(/"([^"]+)"/g)].map((m) => m[1]);
}

/**
 * The field names a parser source reads or refuses: `known: [...]` / `known = [...]` (also both arms of a ternary),
 * `*_FIELDS = [...]`, `known.push(...)`, `unsupported: {...}` keys, lists passed along with a `"spec.…"` path, and
 * the selector `TERM_FIELDS`.
 */
export function parserFieldNames(source: string): Set<string> {
  const names = new Set<string>();
  const add = (xs: string[]) => {
    for (const x of xs) names.add(x);
  };
  const lists = /(?:known|Known|_FIELDS)\s*[:=]\s*(?:[\w.!]+\s*\?\s*)?(\[[^\]]*\])(?:\s*:\s*(\[[^\]]*\]))?/g;
  for (const m of source.matchAll(lists)) add(stringsIn(`${m[1]}${m[2] ?? ""}`));
  for (const m of source.matchAll(/(?:known|Known)\.push\(([^)]*)\)/g)) add(stringsIn(m[1]));
  for (const m of source.matchAll(/unsupported:\s*(?:\w+\s*\?\s*\{\}\s*:\s*)?\{([^}]*)\}/g)) {
    add([...m[1].matchAll(/(\w+):\s*"/g)].map((k) => k[1]));
  }
  // Field lists handed to a reader together with the object's path: `readX(c, v, "spec.x", ["a", "b"])`.
  for (const m of source.matchAll(/"spec\.[\w.]+",\s*(\[[^\]]*\])/g)) add(stringsIn(m[1]));
  const terms = /TERM_FIELDS[^=]*=\s*\{([^}]*)\}/.exec(source);
  if (terms) add(stringsIn(terms[1]));
  return names;
}

function libSources(dir = join(ROOT, "lib")): string {
  return readdirSync(dir)
    .map((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return libSources(path);
      return entry.endsWith(".ts") ? readFileSync(path, "utf8") : "";
    })
    .join("\n");
}

const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const { text: section, firstLine } = compatibilitySection(readme);
const rows = parseRows(section, firstLine);

describe("README Karpenter compatibility", () => {
  it("has the four tables, each with rows", () => {
    assert.deepEqual([...new Set(rows.map((r) => r.kind))], KINDS);
  });

  it("every acted-on row names tests that exist, with their exact titles", () => {
    const sources = new Map<string, string>();
    const problems: string[] = [];
    for (const row of rows.filter((r) => !r.pending)) {
      const refs = testRefs(row.proof);
      if (row.status === "acted on" && refs.length === 0) problems.push(`line ${row.line} ${row.field}: no test`);
      for (const ref of refs) {
        const path = join(ROOT, ref.file);
        if (!existsSync(path)) {
          problems.push(`line ${row.line} ${row.field}: ${ref.file} does not exist`);
          continue;
        }
        if (!sources.has(ref.file)) sources.set(ref.file, readFileSync(path, "utf8"));
        if (!hasTitle(sources.get(ref.file) ?? "", ref.title)) {
          problems.push(`line ${row.line} ${row.field}: ${ref.file} has no test titled "${ref.title}"`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("every refused row quotes a message the code shows", () => {
    const lib = libSources();
    const problems: string[] = [];
    for (const row of rows.filter((r) => !r.pending)) {
      const fragments = refusals(row.proof);
      if (row.status === "refused" && fragments.length === 0)
        problems.push(`line ${row.line} ${row.field}: no message`);
      for (const f of fragments) {
        if (!lib.includes(f)) problems.push(`line ${row.line} ${row.field}: "${f}" is not in lib/`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it(`at most ${MAX_PENDING} rows wait for their proof`, (t) => {
    const pending = rows.filter((r) => r.pending);
    for (const r of pending) t.diagnostic(`pending: ${r.kind} ${r.field} (README line ${r.line})`);
    assert.ok(pending.length <= MAX_PENDING, `${pending.length} pending rows`);
  });

  it("every field the parsers read or refuse has a row", () => {
    const fields = rows.map((r) => r.field).join("\n");
    const names = new Set<string>();
    for (const file of PARSERS) {
      for (const name of parserFieldNames(readFileSync(join(ROOT, file), "utf8"))) names.add(name);
    }
    for (const sample of ["ttlSecondsAfterEmpty", "volumeInitializationRate", "partition", "vpcID", "cpuCFSQuota"]) {
      assert.ok(names.has(sample), `the field-list reader finds ${sample}`);
    }
    const missing = [...names].filter((n) => !new RegExp(`(^|[^A-Za-z])${escapeRegExp(n)}([^A-Za-z]|$)`).test(fields));
    assert.deepEqual(missing, [], "fields the parsers know but no README row names");
  });
});

describe("the compatibility table reader", () => {
  it("reads rows, proofs and pending marks", () => {
    const md = [
      "### NodePool (x)",
      "| Field | Stevedore | Proof |",
      "|---|---|---|",
      '| `spec.a` | acted on — x | `test/a.test.ts` › "one"<br>`test/b.test.ts` › "two" |',
      '| `spec.b` | refused — y | refused: "no b" | <!-- pending -->',
    ].join("\n");
    const [a, b] = parseRows(md);
    assert.deepEqual(testRefs(a.proof), [
      { file: "test/a.test.ts", title: "one" },
      { file: "test/b.test.ts", title: "two" },
    ]);
    assert.equal(a.pending, false);
    assert.deepEqual(refusals(b.proof), ["no b"]);
    assert.equal(b.pending, true);
    assert.equal(b.kind, "NodePool");
  });

  it("finds titles of tests, suites and table cases, and field lists of parsers", () => {
    assert.ok(hasTitle('test("a b", () => {})', "a b"));
    assert.ok(hasTitle('  it(\n    "a b",', "a b"));
    assert.ok(hasTitle('{ name: "a b", want: 1 }', "a b"));
    assert.ok(!hasTitle('// "a b"', "a b"));
    const names = parserFieldNames(
      'readObject(c, v, p, { known: x ? ["a", "b"] : ["c"], unsupported: { d: "why" } }); known.push("e");',
    );
    assert.deepEqual([...names].sort(), ["a", "b", "c", "d", "e"]);
  });
});
