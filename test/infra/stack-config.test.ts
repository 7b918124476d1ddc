import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { loadStackConfig, parseStackConfig, StackConfigError } from "../../lib/infra/stack-config.js";

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StackConfigError, String(err));
    return err.issues;
  }
  assert.fail("expected a StackConfigError");
}

describe("stack settings", () => {
  const dir = mkdtempSync(join(tmpdir(), "stevedore-stack-config-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("needs only clusterName and region; everything else has a default", () => {
    assert.deepEqual(parseStackConfig({ clusterName: "demo", region: "us-east-1" }), {
      clusterName: "demo",
      region: "us-east-1",
      stackName: "Stevedore-demo",
      authenticationMode: "API_AND_CONFIG_MAP",
      configSource: "dynamodb",
      loopSeconds: 50,
      reaction: "seconds",
      rebalance: "ignore",
      minValuesPolicy: "Strict",
      logRetentionDays: 30,
      featureGates: { spotToSpotConsolidation: false, nodeRepair: false },
      observability: "lean",
    });
  });

  it("reaction: seconds (default) or minute, from context or the file; anything else is refused by name", () => {
    const base = { clusterName: "demo", region: "us-east-1" };
    assert.equal(parseStackConfig({ ...base, reaction: "minute" }).reaction, "minute");
    assert.equal(parseStackConfig({ ...base, reaction: "seconds" }).reaction, "seconds");
    assert.deepEqual(
      issuesOf(() => parseStackConfig({ ...base, reaction: "hourly" })),
      ['context reaction: "hourly" is not one of seconds, minute'],
    );
    const file = join(dir, "reaction.json");
    writeFileSync(file, JSON.stringify({ ...base, reaction: 60 }));
    assert.deepEqual(
      issuesOf(() => loadStackConfig((k) => (k === "configFile" ? file : undefined), dir)),
      [`${file}: reaction: 60 is not one of seconds, minute`],
    );
    writeFileSync(file, JSON.stringify({ ...base, reaction: "minute" }));
    assert.equal(loadStackConfig((k) => (k === "configFile" ? file : undefined), dir).reaction, "minute");
    const fromContext = loadStackConfig(
      (k) => (k === "configFile" ? file : k === "reaction" ? "seconds" : undefined),
      dir,
    );
    assert.equal(fromContext.reaction, "seconds", "context wins over the file");
  });

  it("reads Karpenter feature gates as Name=true pairs or a JSON object, and refuses unknown ones", () => {
    const base = { clusterName: "demo", region: "us-east-1" };
    assert.deepEqual(
      parseStackConfig({ ...base, featureGates: "SpotToSpotConsolidation=true,NodeRepair=true" }).featureGates,
      {
        spotToSpotConsolidation: true,
        nodeRepair: true,
      },
    );
    assert.deepEqual(parseStackConfig({ ...base, featureGates: { NodeRepair: true } }).featureGates, {
      spotToSpotConsolidation: false,
      nodeRepair: true,
    });
    const issues = issuesOf(() => parseStackConfig({ ...base, featureGates: "Drift=false,NodeRepair=yes" }));
    assert.deepEqual(issues, [
      'context featureGates: unknown feature gate "Drift" (known: SpotToSpotConsolidation, NodeRepair)',
      'context featureGates: feature gate NodeRepair: "yes" is not true or false',
    ]);
  });

  it("parses -c strings: numbers, comma lists and JSON lists", () => {
    const c = parseStackConfig({
      clusterName: "prod_1",
      region: "eu-west-1",
      account: "123456789012",
      loopSeconds: "30",
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: "subnet-0123456789abcdef0, subnet-0123456789abcdef1",
      securityGroupIds: '["sg-0123456789abcdef0"]',
      clusterSecurityGroupId: "sg-0fedcba9876543210",
      configSource: "ssm",
      rebalance: "replace",
      minValuesPolicy: "BestEffort",
      authenticationMode: "API",
    });
    assert.equal(c.minValuesPolicy, "BestEffort");
    assert.equal(c.loopSeconds, 30);
    assert.equal(c.account, "123456789012");
    assert.deepEqual(c.vpc, {
      vpcId: "vpc-0123456789abcdef0",
      subnetIds: ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"],
      securityGroupIds: ["sg-0123456789abcdef0"],
    });
    assert.equal(c.ssmPath, "/stevedore/prod_1");
    assert.equal(c.rebalance, "replace");
  });

  it("reports every problem at once, naming the key and the rule", () => {
    const issues = issuesOf(() =>
      parseStackConfig({
        region: "mars-1",
        loopSeconds: "2",
        rebalance: "drain",
        minValuesPolicy: "Relaxed",
        authenticationMode: "IAM",
        subnetIds: "subnet-xyz",
        logRetentionDays: 31,
      }),
    );
    const text = issues.join("\n");
    for (const key of [
      "clusterName",
      "region",
      "loopSeconds",
      "rebalance",
      "minValuesPolicy",
      "authenticationMode",
      "subnetIds",
      "logRetentionDays",
    ]) {
      assert.match(text, new RegExp(`context ${key}`), key);
    }
    assert.match(text, /clusterName: required .*pass -c clusterName=/);
    assert.match(text, /"IAM" is not one of API, API_AND_CONFIG_MAP, CONFIG_MAP/);
  });

  it("CONFIG_MAP needs a kubectl role; subnets need a VPC and the other way round; ssmPath needs ssm", () => {
    assert.match(
      issuesOf(() => parseStackConfig({ clusterName: "a", region: "us-east-1", authenticationMode: "CONFIG_MAP" }))[0],
      /kubectlRoleArn: required when authenticationMode is CONFIG_MAP/,
    );
    assert.match(
      issuesOf(() =>
        parseStackConfig({ clusterName: "a", region: "us-east-1", subnetIds: "subnet-0123456789abcdef0" }),
      )[0],
      /vpcId: required/,
    );
    assert.match(
      issuesOf(() => parseStackConfig({ clusterName: "a", region: "us-east-1", vpcId: "vpc-0123456789abcdef0" }))[0],
      /subnetIds: required with vpcId/,
    );
    assert.match(
      issuesOf(() => parseStackConfig({ clusterName: "a", region: "us-east-1", ssmPath: "/x" }))[0],
      /only meaningful with configSource=ssm/,
    );
    const ok = parseStackConfig({
      clusterName: "a",
      region: "us-east-1",
      authenticationMode: "CONFIG_MAP",
      kubectlRoleArn: "arn:aws:iam::123456789012:role/eks-admin",
      configSource: "ssm",
      ssmPath: "/team/a",
    });
    assert.equal(ok.kubectlRoleArn, "arn:aws:iam::123456789012:role/eks-admin");
    assert.equal(ok.ssmPath, "/team/a");
  });

  it("reads stevedore.config.json from the working directory, context winning, errors naming the file", () => {
    writeFileSync(
      join(dir, "stevedore.config.json"),
      JSON.stringify({ clusterName: "from-file", region: "us-west-2", loopSeconds: 40 }),
    );
    const ctx: Record<string, unknown> = { region: "eu-central-1" };
    const c = loadStackConfig((k) => ctx[k], dir);
    assert.equal(c.clusterName, "from-file");
    assert.equal(c.region, "eu-central-1");
    assert.equal(c.loopSeconds, 40);

    writeFileSync(join(dir, "bad.json"), JSON.stringify({ clusterName: "x", region: "us-east-1", loopSecs: 40 }));
    assert.match(
      issuesOf(() => loadStackConfig((k) => ({ configFile: "bad.json" })[k], dir))[0],
      /bad\.json: loopSecs: unknown setting/,
    );
    writeFileSync(
      join(dir, "typo.json"),
      JSON.stringify({ clusterName: "x", region: "us-east-1", loopSeconds: "soon" }),
    );
    assert.match(
      issuesOf(() => loadStackConfig((k) => ({ configFile: "typo.json" })[k], dir))[0],
      /typo\.json: loopSeconds: "soon" is not valid/,
    );
    assert.match(
      issuesOf(() => loadStackConfig((k) => ({ configFile: "missing.json" })[k], dir))[0],
      /missing\.json: file not found/,
    );
    writeFileSync(join(dir, "broken.json"), "{");
    assert.match(issuesOf(() => loadStackConfig((k) => ({ configFile: "broken.json" })[k], dir))[0], /not valid JSON/);
  });

  it("without a file, context alone is enough (the offline synth case)", () => {
    const empty = mkdtempSync(join(tmpdir(), "stevedore-empty-"));
    try {
      const ctx: Record<string, unknown> = { clusterName: "demo", region: "us-east-1" };
      assert.equal(loadStackConfig((k) => ctx[k], empty).clusterName, "demo");
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
