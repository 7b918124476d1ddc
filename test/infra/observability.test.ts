/**
 * The `observability` setting: lean by default in both reaction modes, full on request; a lean stack
 * has no dashboard, keeps only the alarms that matter most and tells every controller function through
 * `STEVEDORE_OBSERVABILITY`.
 */
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { parseStackConfig, StackConfigError } from "../../lib/infra/stack-config.js";
import { STACK_OUTPUTS } from "../../lib/infra/stack-outputs.js";
import { build, resourcesOfType, stubRoot } from "./helpers.js";

const base = { clusterName: "demo", region: "us-east-1" };

describe("observability setting", () => {
  it("defaults to lean with either reaction, and an explicit value wins", () => {
    assert.equal(parseStackConfig(base).observability, "lean");
    assert.equal(parseStackConfig({ ...base, reaction: "seconds" }).observability, "lean");
    assert.equal(parseStackConfig({ ...base, reaction: "seconds", observability: "full" }).observability, "full");
    assert.equal(parseStackConfig({ ...base, reaction: "minute" }).observability, "lean");
    assert.equal(parseStackConfig({ ...base, observability: "lean" }).observability, "lean");
    assert.equal(parseStackConfig({ ...base, reaction: "minute", observability: "full" }).observability, "full");
  });

  it("refuses an unknown value, naming the setting and the choices", () => {
    assert.throws(
      () => parseStackConfig({ ...base, observability: "verbose" }),
      (err: unknown) =>
        err instanceof StackConfigError &&
        err.issues.some((i) => /context observability: "verbose" is not one of full, lean/.test(i)),
    );
  });
});

describe("lean and full stacks", () => {
  const root = stubRoot();
  after(() => root.cleanup());
  const full = build({ observability: "full" }, root.root);
  const lean = build({}, root.root);
  const alarmNames = (b: typeof full) =>
    resourcesOfType(b.json, "AWS::CloudWatch::Alarm")
      .map(([, p]) => p.AlarmName as string)
      .sort();

  it("lean has no dashboard and no dashboard output; full has both", () => {
    assert.equal(resourcesOfType(lean.json, "AWS::CloudWatch::Dashboard").length, 0);
    assert.ok(!Object.keys(lean.json.Outputs ?? {}).includes(STACK_OUTPUTS.dashboardUrl));
    assert.equal(resourcesOfType(full.json, "AWS::CloudWatch::Dashboard").length, 1);
    assert.ok(Object.keys(full.json.Outputs ?? {}).includes(STACK_OUTPUTS.dashboardUrl));
  });

  it("lean keeps the dead letters, pods pending too long, provisioner errors and provisioner stalled alarms", () => {
    assert.deepEqual(alarmNames(lean), [
      "Stevedore-demo-InterruptionDeadLetters",
      "Stevedore-demo-PodsPendingTooLong",
      "Stevedore-demo-ProvisionerErrors",
      "Stevedore-demo-ProvisionerStalled",
    ]);
    assert.ok(alarmNames(full).length > alarmNames(lean).length);
    for (const name of alarmNames(lean)) assert.ok(alarmNames(full).includes(name), name);
  });

  it("the pending alarm treats missing data as not breaching (the age is published only while pods wait)", () => {
    for (const b of [full, lean]) {
      const [[, pending]] = resourcesOfType(b.json, "AWS::CloudWatch::Alarm").filter(
        ([, p]) => p.AlarmName === "Stevedore-demo-PodsPendingTooLong",
      );
      assert.equal(pending.TreatMissingData, "notBreaching");
    }
  });

  it("every controller function gets STEVEDORE_OBSERVABILITY", () => {
    for (const [b, mode] of [
      [full, "full"],
      [lean, "lean"],
    ] as const) {
      const fns = resourcesOfType(b.json, "AWS::Lambda::Function").filter(([id]) => id.startsWith("Controllers"));
      assert.ok(fns.length >= 4);
      for (const [id, p] of fns) {
        const env = (p.Environment as { Variables: Record<string, string> }).Variables;
        assert.equal(env.STEVEDORE_OBSERVABILITY, mode, id);
      }
    }
  });
});
