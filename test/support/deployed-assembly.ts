/**
 * A cloud assembly for the deployed-mode tests, built fast: the stack is synthesized with bundling skipped, and the
 * controller bundles are built in one esbuild run with the stack's own options (`esbuildOptionsForEntries`, which
 * the bundle test holds to `LAMBDA_BUNDLING`) and placed in each function's asset directory with `highs.wasm`, as
 * `cdk synth` would. `stevedore simulate --deployed` synthesizes with the real bundling instead.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App } from "aws-cdk-lib";
import { build } from "esbuild";
import { esbuildOptionsForEntries } from "../../lib/infra/lambda-bundling.js";
import { BUNDLE_EXTRA_FILES, LAMBDA_ENTRIES, lambdaEntryPath, REPO_ROOT } from "../../lib/infra/lambda-entries.js";
import { parseStackConfig } from "../../lib/infra/stack-config.js";
import { StevedoreStack } from "../../lib/infra/stevedore-stack.js";
import { CLI_CONTEXT } from "../../lib/twin/deployed/assembly.js";
import type { CfnTemplate } from "../../lib/twin/deployed/intrinsics.js";

const ENTRY_BY_PATH: Record<string, keyof typeof LAMBDA_ENTRIES> = {
  Provisioner: "provisioner",
  Disruptor: "disruptor",
  Interruption: "interruption",
  GarbageCollector: "gc",
  ClusterAccess: "clusterAccess",
  Watcher: "watcher",
};

/** Builds the assembly for stack `settings`; returns its directory. */
export async function buildTestAssembly(settings: Record<string, string>): Promise<string> {
  process.env.CDK_VALIDATION = "false";
  const outdir = mkdtempSync(join(tmpdir(), "stevedore-test-assembly-"));
  const app = new App({ outdir, context: { "aws:cdk:bundling-stacks": [], ...CLI_CONTEXT } });
  new StevedoreStack(app, "Stevedore", { config: parseStackConfig(settings) });
  app.synth();
  const bundles = join(outdir, "bundles");
  const entries = Object.fromEntries(Object.keys(LAMBDA_ENTRIES).map((n) => [n, lambdaEntryPath(n as never)]));
  const r = await build(esbuildOptionsForEntries(entries, bundles));
  if (r.errors.length > 0) throw new Error(`esbuild: ${JSON.stringify(r.errors)}`);
  const templatePath = join(outdir, "Stevedore.template.json");
  const template = JSON.parse(readFileSync(templatePath, "utf8")) as CfnTemplate;
  for (const [id, res] of Object.entries(template.Resources)) {
    if (res.Type !== "AWS::Lambda::Function") continue;
    const path = String(res.Metadata?.["aws:cdk:path"] ?? "").split("/");
    const entry = Object.entries(ENTRY_BY_PATH).find(([segment]) => path.includes(segment))?.[1];
    if (!entry) throw new Error(`no Lambda entry for ${id}`);
    const asset = `asset.${id}`;
    mkdirSync(join(outdir, asset));
    copyFileSync(join(bundles, `${entry}.mjs`), join(outdir, asset, "index.mjs"));
    copyFileSync(join(bundles, `${entry}.mjs.map`), join(outdir, asset, "index.mjs.map"));
    for (const [from, to] of Object.entries(BUNDLE_EXTRA_FILES))
      copyFileSync(join(REPO_ROOT, from), join(outdir, asset, to));
    res.Metadata = { ...res.Metadata, "aws:asset:path": asset };
  }
  writeFileSync(templatePath, JSON.stringify(template, null, 1));
  return outdir;
}
