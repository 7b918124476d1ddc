/**
 * The repository explains itself: every `path.ts:name` / `path.ts:Class.method` reference in docs/ARCHITECTURE.md
 * names something that exists, and no file points at material outside the repository (sibling folders, design
 * documents or an issue tracker that are not shipped with it).
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const ARCHITECTURE = "docs/ARCHITECTURE.md";
const SELF = "test/docs/architecture.test.ts";

/** A code reference in the docs: `` `lib/x/y.ts:name` `` or `` `lib/x/y.ts:Class.method` ``. */
export interface CodeRef {
  file: string;
  /** `name`, or `Class.method`. */
  symbol: string;
  line: number;
}

const TOP = "(?:lib|bin|lambdas|bench|test|test-aws)";
const REF = new RegExp(`\`(${TOP}/[A-Za-z0-9_./-]+\\.ts):([A-Za-z_$][\\w$]*(?:\\.[A-Za-z_$][\\w$]*)?)\``, "g");
const PATH = new RegExp(`\`(${TOP}/[A-Za-z0-9_./-]+\\.(?:ts|md|json|yaml))\``, "g");

/** Every code reference in a Markdown text. */
export function extractRefs(markdown: string): CodeRef[] {
  const out: CodeRef[] = [];
  markdown.split("\n").forEach((text, i) => {
    for (const m of text.matchAll(REF)) out.push({ file: m[1], symbol: m[2], line: i + 1 });
  });
  return out;
}

function escapeRegExp(s: string): string {
  return s.replace(/[$.*+?^(){}|[\]\\]/g, "\\$&");
}

/** A top-level declaration of `name`: function, class, const/let/var, interface, type, enum, or an export list. */
function declaresTopLevel(source: string, name: string): boolean {
  const n = escapeRegExp(name);
  const decl = new RegExp(
    `^(?:export\\s+)?(?:default\\s+)?(?:declare\\s+)?(?:abstract\\s+)?(?:async\\s+)?` +
      `(?:function\\s*\\*?|class|const|let|var|interface|type|enum)\\s+${n}\\b`,
    "m",
  );
  if (decl.test(source)) return true;
  return new RegExp(`^export\\s*(?:type\\s*)?\\{[^}]*\\b${n}\\b[^}]*\\}`, "m").test(source);
}

/** The text of class `name`: from its declaration to the next top-level declaration (or the end of the file). */
function classBody(source: string, name: string): string | undefined {
  const start = new RegExp(
    `^(?:export\\s+)?(?:default\\s+)?(?:abstract\\s+)?class\\s+${escapeRegExp(name)}\\b`,
    "m",
  ).exec(source);
  if (!start) return undefined;
  const rest = source.slice(start.index + start[0].length);
  const next = /^(?:export\s+|function\s|class\s|const\s|let\s|interface\s|type\s|enum\s|async\s+function\s)/m.exec(
    rest,
  );
  return next ? rest.slice(0, next.index) : rest;
}

/** A member of a class body: method, accessor or property, with any modifiers. */
function declaresMember(body: string, name: string): boolean {
  const mods = "(?:(?:public|private|protected|static|async|override|readonly|get|set)\\s+)*";
  return new RegExp(`^\\s+${mods}${escapeRegExp(name)}\\s*(?:<[^>]*>)?\\s*(?:\\(|=|:|\\?)`, "m").test(body);
}

/** Whether `source` declares `symbol` (`name` or `Class.member`). */
export function declares(source: string, symbol: string): boolean {
  const [first, member] = symbol.split(".");
  if (member === undefined) return declaresTopLevel(source, first);
  const body = classBody(source, first);
  return body !== undefined && declaresMember(body, member);
}

describe("docs/ARCHITECTURE.md", () => {
  const text = readFileSync(join(ROOT, ARCHITECTURE), "utf8");
  const refs = extractRefs(text);

  it("is linked from the README", () => {
    assert.match(readFileSync(join(ROOT, "README.md"), "utf8"), /\]\(docs\/ARCHITECTURE\.md/);
  });

  it("answers the three where-questions, each with a code reference", () => {
    for (const q of ["where is a pod placed?", "where is an instance launched?", "where is a node drained?"]) {
      const row = text.split("\n").find((l) => l.includes(q));
      assert.ok(row, `no row for "${q}"`);
      assert.ok(extractRefs(row).length > 0, `"${q}" has no file:function reference`);
    }
  });

  it("has code references (the syntax did not drift)", () => {
    assert.ok(refs.length >= 40, `only ${refs.length} references found`);
  });

  it("names only files and declarations that exist", () => {
    const problems: string[] = [];
    const sources = new Map<string, string>();
    for (const r of refs) {
      const path = join(ROOT, r.file);
      if (!existsSync(path)) {
        problems.push(`${ARCHITECTURE}:${r.line}: ${r.file} does not exist`);
        continue;
      }
      if (!sources.has(r.file)) sources.set(r.file, readFileSync(path, "utf8"));
      if (!declares(sources.get(r.file) ?? "", r.symbol)) {
        problems.push(`${ARCHITECTURE}:${r.line}: ${r.file} does not declare ${r.symbol}`);
      }
    }
    for (const [i, line] of text.split("\n").entries()) {
      for (const m of line.matchAll(PATH)) {
        if (!existsSync(join(ROOT, m[1]))) problems.push(`${ARCHITECTURE}:${i + 1}: ${m[1]} does not exist`);
      }
    }
    assert.deepEqual(problems, []);
  });
});

describe("the declaration check", () => {
  const source = [
    "export function solve(input: SolveInput): SolveResult {",
    "  return run(input);",
    "}",
    "export const LIMIT = 3;",
    "export class Launcher {",
    "  constructor(private readonly deps: Deps) {}",
    "  async launch(req: LaunchRequest): Promise<void> {}",
    "  private async attempt<T>(req: T): Promise<void> {}",
    "  static flavorOf(pool: NodePool | undefined): ApiFlavor {}",
    "}",
    "function helper(): void {}",
  ].join("\n");

  it("finds functions, constants, classes and their methods", () => {
    for (const s of [
      "solve",
      "LIMIT",
      "Launcher",
      "helper",
      "Launcher.launch",
      "Launcher.attempt",
      "Launcher.flavorOf",
    ]) {
      assert.ok(declares(source, s), s);
    }
  });

  it("fails on a renamed function or method", () => {
    assert.equal(declares(source.replace("function solve(", "function solvePods("), "solve"), false);
    assert.equal(declares(source.replace("async launch(", "async start("), "Launcher.launch"), false);
    assert.equal(declares(source, "Launcher.helper"), false, "a function after the class is not its method");
    assert.equal(declares(source, "Placer.launch"), false);
  });

  it("extracts both reference shapes and nothing else", () => {
    const refs = extractRefs("see `lib/a/b.ts:run`, `lib/a/b.ts:Foo.bar`, `lib/a/b.ts` and `path/to/file.ts:name`");
    assert.deepEqual(
      refs.map((r) => `${r.file}:${r.symbol}`),
      ["lib/a/b.ts:run", "lib/a/b.ts:Foo.bar"],
    );
  });
});

/** What no file may point at: material that is not in the repository. */
const OUTSIDE_REFERENCES: { pattern: RegExp; what: string }[] = [
  { pattern: /\.\.\/shared\b/, what: "a sibling folder outside the checkout" },
  { pattern: /(?<![\w./-])shared\//, what: "a sibling folder outside the checkout" },
  { pattern: /\bDESIGN\b/, what: "a design document that is not in the repository" },
  { pattern: /(?<![\w./-])reference\//, what: "the old reference folder" },
  { pattern: /\b(?:karpenter-aws|karpenter-core|serverless-and-ecosystem)\.md\b/, what: "an old reference document" },
  { pattern: /§\s*\d/, what: "a section number of a document that is not in the repository" },
  { pattern: /\bissues?\s+#?\d+/i, what: "an issue number of a tracker that is not in the repository" },
];

const SCANNED_DIRS = ["lib", "bin", "lambdas", "bench", "test", "test-aws", "scenarios", "examples", "docs", "data"];
const SCANNED_FILES = ["README.md", "bench/README.md"];
const TEXT = /\.(?:ts|js|mjs|cjs|md|json|ya?ml|txt|html|sh|toml)$/;

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    if (entry === "node_modules" || entry.startsWith(".")) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (TEXT.test(entry)) out.push(path);
  }
}

/** The outside references of one text, as `line: what: text`. URLs (public upstream repositories) are allowed. */
export function outsideReferences(text: string): string[] {
  const out: string[] = [];
  for (const [i, raw] of text.split("\n").entries()) {
    const line = raw.replace(/https?:\/\/\S+/g, "");
    for (const { pattern, what } of OUTSIDE_REFERENCES) {
      if (pattern.test(line)) out.push(`${i + 1}: ${what}: ${raw.trim().slice(0, 120)}`);
    }
  }
  return out;
}

describe("references outside the repository", () => {
  it("are recognised", () => {
    for (const bad of [
      "see ../shared/examples/x.yaml",
      "(DESIGN §4.1)",
      "the six DESIGN fields",
      "`reference/karpenter-aws.md` §3.2",
      "the contract of issue 6",
      "fixed in issue #12",
      "(shared/seed/article.txt)",
    ]) {
      assert.notDeepEqual(outsideReferences(bad), [], bad);
    }
    for (const fine of [
      "https://github.com/aws/karpenter-provider-aws/issues/1234",
      "karpenter-provider-aws `website/content/en/docs/reference/instance-types.md`",
      "reporting an issue per field",
      "lib/state/keys.ts and docs/ARCHITECTURE.md",
    ]) {
      assert.deepEqual(outsideReferences(fine), [], fine);
    }
  });

  it("appear in no file", () => {
    const files: string[] = [];
    for (const d of SCANNED_DIRS) walk(join(ROOT, d), files);
    for (const f of SCANNED_FILES) files.push(join(ROOT, f));
    const problems: string[] = [];
    for (const path of new Set(files)) {
      const rel = relative(ROOT, path);
      if (rel === SELF || !existsSync(path)) continue;
      for (const p of outsideReferences(readFileSync(path, "utf8"))) problems.push(`${rel}:${p}`);
    }
    assert.deepEqual(problems, []);
  });
});
