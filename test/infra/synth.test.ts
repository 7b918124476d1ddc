/**
 * `npx cdk synth` of a fresh checkout, offline: only `-c clusterName=demo -c region=us-east-1`, no credentials, no
 * lookups allowed, the network blocked by a dead proxy and instance metadata disabled. The cdk-nag AwsSolutions pack
 * runs as in a real synth (a finding fails it). For time, bundling is skipped through the app's
 * `stevedore:skipBundling` context flag (the bundle test builds every entry with the same options) and the CDK's own
 * CloudFormation schema validation is off (`CDK_VALIDATION=false`; ~10 s of CPU; a real synth runs it).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { promisify } from "node:util";
import { INTERRUPTION_EVENT_PATTERNS } from "../../lib/cloud/aws/event-patterns.js";
import { LAMBDA_ENTRIES, REPO_ROOT } from "../../lib/infra/lambda-entries.js";

const run = promisify(execFile);

function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith("AWS_") && !k.startsWith("CDK_")) env[k] = v;
  return {
    ...env,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/nonexistent/aws-config",
    AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/aws-credentials",
    HTTPS_PROXY: "http://127.0.0.1:9",
    HTTP_PROXY: "http://127.0.0.1:9",
    NO_PROXY: "",
    CDK_DISABLE_VERSION_CHECK: "1",
    CDK_DISABLE_CLI_TELEMETRY: "1",
    CDK_VALIDATION: "false",
  };
}

describe("cdk synth (subprocess)", () => {
  const out = mkdtempSync(join(tmpdir(), "stevedore-synth-"));
  after(() => rmSync(out, { recursive: true, force: true }));

  it("works offline with only clusterName and region", async () => {
    const missing = Object.values(LAMBDA_ENTRIES).filter((e) => !existsSync(join(REPO_ROOT, e)));
    assert.deepEqual(missing, [], `Lambda entries missing (the stack bundles them): ${missing.join(", ")}`);
    const args = [
      "cdk",
      "synth",
      "-c",
      "clusterName=demo",
      "-c",
      "region=us-east-1",
      "-c",
      "stevedore:skipBundling=true",
    ];
    args.push("--no-lookups", "--no-notices", "-q", "-o", out);
    try {
      await run("npx", args, { cwd: REPO_ROOT, env: offlineEnv(), timeout: 120_000 });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      assert.fail(`cdk synth failed: ${e.message}\n${e.stderr ?? ""}\n${e.stdout ?? ""}`);
    }
    const template = JSON.parse(readFileSync(join(out, "Stevedore.template.json"), "utf8"));
    const types = Object.values<{ Type: string }>(template.Resources).map((r) => r.Type);
    for (const type of [
      "AWS::DynamoDB::Table",
      "AWS::Lambda::Function",
      "AWS::SQS::Queue",
      "AWS::CloudWatch::Alarm",
      "Custom::StevedoreClusterAccess",
    ]) {
      assert.ok(types.includes(type), type);
    }
    assert.ok(!types.includes("AWS::CloudWatch::Dashboard"), "lean observability by default: no dashboard");
    const patterns = Object.values<{ Type: string; Properties: { EventPattern?: unknown } }>(template.Resources)
      .filter((r) => r.Type === "AWS::Events::Rule" && r.Properties.EventPattern)
      .map((r) => r.Properties.EventPattern);
    assert.deepEqual(
      patterns,
      INTERRUPTION_EVENT_PATTERNS.map((r) => r.pattern),
    );
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
    assert.equal(manifest.artifacts.Stevedore.environment, "aws://unknown-account/us-east-1");
    assert.equal(existsSync(join(REPO_ROOT, "cdk.context.json")), false, "no lookups were cached");
  });

  it("the app reports invalid settings by name and exits 2 (no stack trace)", async () => {
    // The CLI hands context to the app through CDK_CONTEXT_JSON; running the app directly keeps this test fast.
    const env = {
      ...offlineEnv(),
      CDK_CONTEXT_JSON: JSON.stringify({ region: "us-east-1", loopSeconds: "0" }),
      CDK_OUTDIR: out,
    };
    const err = await run(process.execPath, ["--import", "tsx", "bin/app.ts"], {
      cwd: REPO_ROOT,
      env,
      timeout: 60_000,
    }).then(
      () => assert.fail("the app must refuse these settings"),
      (e: { code?: number; stderr?: string }) => e,
    );
    assert.equal(err.code, 2);
    assert.match(err.stderr ?? "", /clusterName: required/);
    assert.match(err.stderr ?? "", /loopSeconds: "0" is not valid/);
    assert.doesNotMatch(err.stderr ?? "", /\n\s+at /, "no stack trace");
  });
});
