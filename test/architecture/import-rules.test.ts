/**
 * The layer rules of docs/ARCHITECTURE.md as a test: every import edge of lib/, bin/, lambdas/ and bench/ is read
 * from the sources and checked against what its layer may import. A forbidden edge fails with the file and the
 * import named.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** One import of one source file. */
interface ImportEdge {
  /** Importing file, relative to the repository root. */
  from: string;
  /** Repository-relative target (`lib/core/clock.ts`) for relative imports, else the package specifier. */
  to: string;
  /** Whether `to` is a file of this repository. */
  local: boolean;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sourceFiles(rel));
    else if (name.endsWith(".ts")) out.push(rel);
  }
  return out;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** The import edges of one source text. */
function edgesOf(file: string, text: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec.startsWith(".")) {
      const target = normalize(join(dirname(file), spec)).replace(/\.js$/, ".ts");
      edges.push({ from: file, to: relative(".", target), local: true });
    } else {
      edges.push({ from: file, to: spec, local: false });
    }
  }
  return edges;
}

const EDGES = ["lib", "bin", "lambdas", "bench"]
  .flatMap(sourceFiles)
  .flatMap((file) => edgesOf(file, readFileSync(join(ROOT, file), "utf8")));

function under(path: string, ...prefixes: string[]): boolean {
  return prefixes.some((p) => path === p || path.startsWith(`${p}/`));
}

/** Packages that talk to AWS, Kubernetes or CloudFormation, or are Lambda runtime helpers. */
const SDK_PACKAGE =
  /^(@aws-sdk\/|@smithy\/|@aws-lambda-powertools\/|@aws-crypto\/|@kubernetes\/client-node|aws-cdk-lib|constructs|cdk-nag|dynalite)/;
/** Node modules that do I/O. */
const IO_MODULE = /^node:(fs|fs\/promises|http|https|net|child_process|dgram|dns|tls|worker_threads)$/;

/** The forbidden edges of one rule, as `from -> to` lines. */
function violations(rule: (e: ImportEdge) => boolean, edges = EDGES): string[] {
  return edges.filter(rule).map((e) => `${e.from} -> ${e.to}`);
}

/** lib/core may import only itself and Node's own modules. */
const coreRule = (e: ImportEdge) =>
  under(e.from, "lib/core") && (e.local ? !under(e.to, "lib/core") : !e.to.startsWith("node:"));

describe("import rules", () => {
  it("sees the project's import edges (the rule checks are not vacuous)", () => {
    assert.ok(EDGES.length > 500, `only ${EDGES.length} edges found`);
    assert.ok(EDGES.some((e) => e.from.startsWith("lib/controllers/") && e.to.startsWith("lib/core/")));
  });

  it("lib/core imports nothing of ours outside lib/core, and no package but Node's own", () => {
    assert.deepEqual(violations(coreRule), []);
  });

  it("the pure layers (api, scheduling, view, disruption) import no SDK, no Kubernetes client, no adapter, no twin", () => {
    const pure = ["lib/api", "lib/scheduling", "lib/view", "lib/disruption"];
    const adapters = ["lib/cluster", "lib/cloud", "lib/controllers", "lib/infra", "lib/twin", "lib/plan", "bin"];
    const bad = violations((e) => {
      if (!under(e.from, ...pure)) return false;
      if (!e.local) return SDK_PACKAGE.test(e.to);
      if (under(e.to, ...adapters)) return true;
      // The state folder is an adapter; only its seam (record and store types) may be read by the pure layers.
      return under(e.to, "lib/state") && e.to !== "lib/state/types.ts";
    });
    assert.deepEqual(bad, []);
  });

  it("scheduling, view, disruption and core do no I/O", () => {
    const bad = violations(
      (e) => under(e.from, "lib/core", "lib/scheduling", "lib/view", "lib/disruption") && IO_MODULE.test(e.to),
    );
    assert.deepEqual(bad, []);
  });

  it("the pure layers stack one way: api < scheduling < view < disruption", () => {
    const above: Record<string, string[]> = {
      "lib/api": ["lib/scheduling", "lib/view", "lib/disruption"],
      "lib/scheduling": ["lib/view", "lib/disruption"],
      "lib/view": ["lib/disruption"],
    };
    const bad = violations((e) =>
      Object.entries(above).some(([layer, higher]) => under(e.from, layer) && e.local && under(e.to, ...higher)),
    );
    assert.deepEqual(bad, []);
  });

  it("adapters (cluster, cloud, state) never import controllers, disruption, infra or the twin", () => {
    const bad = violations(
      (e) =>
        under(e.from, "lib/cluster", "lib/cloud", "lib/state") &&
        e.local &&
        under(e.to, "lib/controllers", "lib/disruption", "lib/infra", "lib/twin", "lib/plan"),
    );
    assert.deepEqual(bad, []);
  });

  it("controllers reach clouds only through the cloud seams (lib/cloud/provider.ts and its siblings)", () => {
    // The cloud-neutral seam files; everything else under lib/cloud is an implementation.
    const seams = [
      "lib/cloud/provider.ts",
      "lib/cloud/interruption.ts",
      "lib/cloud/decision-events.ts",
      "lib/cloud/provisioner-trigger.ts",
    ];
    const bad = violations(
      (e) =>
        under(e.from, "lib/controllers") &&
        ((e.local && under(e.to, "lib/cloud", "lib/infra", "lib/plan") && !seams.includes(e.to)) ||
          (!e.local && /^@aws-sdk\/client-(ec2|ssm|pricing|eks|sts|lambda|eventbridge)/.test(e.to))),
    );
    assert.deepEqual(bad, []);
  });

  it("lib/operator (status, decisions, explain) reads through the pure layers, state and cluster, and no SDK", () => {
    const allowed = ["lib/core", "lib/api", "lib/scheduling", "lib/view", "lib/disruption", "lib/state", "lib/cluster"];
    const bad = violations(
      (e) =>
        under(e.from, "lib/operator") &&
        (e.local ? !under(e.to, "lib/operator", ...allowed) : SDK_PACKAGE.test(e.to) || IO_MODULE.test(e.to)),
    );
    assert.deepEqual(bad, []);
  });

  it("the cost model (lib/cost) is pure: itself and the metrics and observability contracts only, no SDK, no I/O", () => {
    const contracts = new Set(["lib/infra/metrics-names.ts", "lib/infra/observability.ts"]);
    const bad = violations(
      (e) =>
        under(e.from, "lib/cost") &&
        (e.local ? !under(e.to, "lib/cost") && !contracts.has(e.to) : SDK_PACKAGE.test(e.to) || IO_MODULE.test(e.to)),
    );
    assert.deepEqual(bad, []);
  });

  it("nothing but bin/ and bench/ (and the twin itself) imports the twin", () => {
    const bad = violations((e) => e.local && under(e.to, "lib/twin") && !under(e.from, "lib/twin", "bin", "bench"));
    assert.deepEqual(bad, []);
  });

  it("the reader finds static, type-only, multi-line, re-export and dynamic imports, and a rule reports them", () => {
    const text = [
      'import type { NodePool } from "../api/model.js";',
      "import {\n  a,\n  b,\n} from './quantity.js';",
      'export { c } from "../twin/twin.js";',
      'const m = await import("../cloud/aws/tags.js");',
      'import { z } from "zod";',
    ].join("\n");
    const edges = edgesOf("lib/core/probe.ts", text);
    assert.deepEqual(
      edges.map((e) => e.to),
      ["lib/api/model.ts", "lib/core/quantity.ts", "lib/twin/twin.ts", "lib/cloud/aws/tags.ts", "zod"],
    );
    assert.deepEqual(violations(coreRule, edges), [
      "lib/core/probe.ts -> lib/api/model.ts",
      "lib/core/probe.ts -> lib/twin/twin.ts",
      "lib/core/probe.ts -> lib/cloud/aws/tags.ts",
      "lib/core/probe.ts -> zod",
    ]);
  });
});
