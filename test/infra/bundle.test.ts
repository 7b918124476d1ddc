/**
 * Each Lambda entry bundles with esbuild exactly as the stack bundles it (`esbuildOptionsFor` mirrors
 * `LAMBDA_BUNDLING`), the files shipped next to bundles are copied, and the bundle imports under Node with a
 * `handler` function — the ESM output, the `createRequire` banner and the bundled dependencies work together.
 */
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { CONTROLLER_ENV } from "../../lib/infra/controller-env.js";
import { esbuildOptionsFor, esbuildOptionsForEntries, LAMBDA_BUNDLING } from "../../lib/infra/lambda-bundling.js";
import {
  BUNDLE_EXTRA_FILES,
  LAMBDA_ENTRIES,
  type LambdaName,
  lambdaEntryPath,
  REPO_ROOT,
} from "../../lib/infra/lambda-entries.js";

describe("Lambda bundles", () => {
  const out = mkdtempSync(join(tmpdir(), "stevedore-bundles-"));
  after(() => rmSync(out, { recursive: true, force: true }));
  // What the functions find in their environment (dummy values: importing a handler must not call AWS).
  const env: Record<string, string> = {
    AWS_REGION: "us-east-1",
    [CONTROLLER_ENV.clusterName]: "demo",
    [CONTROLLER_ENV.table]: "stevedore-test",
    [CONTROLLER_ENV.loopSeconds]: "50",
    [CONTROLLER_ENV.rebalance]: "ignore",
    [CONTROLLER_ENV.instanceProfile]: "node-profile",
    POWERTOOLS_SERVICE_NAME: "stevedore",
    POWERTOOLS_METRICS_NAMESPACE: "Stevedore",
  };
  for (const [k, v] of Object.entries(env)) process.env[k] ??= v;

  it("the esbuild options are the stack's bundling options", () => {
    const o = esbuildOptionsFor("x.ts", "x.mjs");
    assert.equal(LAMBDA_BUNDLING.forceDockerBundling, false);
    assert.equal(o.format, "esm");
    assert.equal(o.target, LAMBDA_BUNDLING.target);
    assert.deepEqual(o.mainFields, LAMBDA_BUNDLING.mainFields);
    assert.equal(o.banner.js, LAMBDA_BUNDLING.banner);
    assert.match(o.banner.js, /createRequire/);
    assert.deepEqual(o.external, []);
    assert.equal(LAMBDA_BUNDLING.bundleAwsSDK, true);
    const hooks = LAMBDA_BUNDLING.commandHooks;
    assert.deepEqual(hooks?.afterBundling("/in", "/out"), [
      `cp "/in/node_modules/highs/build/highs.wasm" "/out/highs.wasm"`,
    ]);
    for (const from of Object.keys(BUNDLE_EXTRA_FILES)) assert.ok(existsSync(join(REPO_ROOT, from)), from);
  });

  // One esbuild run builds every existing entry (same options; much faster than five runs); each test then checks
  // and imports its own bundle.
  const names = Object.keys(LAMBDA_ENTRIES) as LambdaName[];
  let built: Promise<{ errors: unknown[] }> = Promise.resolve({ errors: [] });
  before(() => {
    const present = Object.fromEntries(
      names.filter((n) => existsSync(lambdaEntryPath(n))).map((n) => [n, lambdaEntryPath(n)]),
    );
    for (const [from, to] of Object.entries(BUNDLE_EXTRA_FILES)) copyFileSync(join(REPO_ROOT, from), join(out, to));
    built = build(esbuildOptionsForEntries(present, out)).then((r) => ({ errors: r.errors }));
    built.catch(() => {});
  });

  for (const name of names) {
    it(`${LAMBDA_ENTRIES[name]} bundles and its handler loads`, async () => {
      assert.ok(
        existsSync(lambdaEntryPath(name)),
        `${LAMBDA_ENTRIES[name]} does not exist: the stack deploys it as the ${name} function (it must export \`handler\`)`,
      );
      const { errors } = await built;
      assert.deepEqual(errors, []);
      const outfile = join(out, `${name}.mjs`);
      assert.ok(statSync(outfile).size > 1000);
      const mod = (await import(pathToFileURL(outfile).href)) as { handler?: unknown };
      assert.equal(typeof mod.handler, "function", `${LAMBDA_ENTRIES[name]} must export a handler function`);
    });
  }
});
