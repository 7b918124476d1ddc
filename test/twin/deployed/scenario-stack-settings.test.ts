/**
 * The deployed run synthesizes the stack the scenario describes: its cluster, region, `loopSeconds` and
 * `controllers.reaction` become stack settings, and an assembly synthesized with another reaction is refused by name.
 */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { REPO_ROOT } from "../../../lib/infra/lambda-entries.js";
import { AssemblyError, readAssembly, synthesizeAssembly } from "../../../lib/twin/deployed/assembly.js";
import { runDeployed } from "../../../lib/twin/deployed/deployed-run.js";
import { scenarioReaction, scenarioStackSettings } from "../../../lib/twin/deployed/scenario-stack-settings.js";
import { loadScenario, type Scenario } from "../../../lib/twin/scenario.js";

const withReaction = (s: Scenario, reaction: string): Scenario =>
  ({ ...s, controllers: { ...s.controllers, reaction } }) as Scenario;

describe("a scenario's stack settings", () => {
  test("cluster, region, loopSeconds and reaction (seconds unless the scenario says minute)", async () => {
    const scenario = await loadScenario(join(REPO_ROOT, "scenarios", "default.yaml"));
    assert.deepEqual(scenarioStackSettings(scenario), {
      clusterName: scenario.clusterName,
      region: scenario.region,
      loopSeconds: String(scenario.controllers.loopSeconds),
      reaction: "seconds",
    });
    assert.equal(scenarioStackSettings(scenario, 5).loopSeconds, "5");
    assert.equal(scenarioReaction(withReaction(scenario, "minute")), "minute");
    assert.equal(scenarioStackSettings(withReaction(scenario, "minute")).reaction, "minute");
  });

  test("an assembly synthesized with another reaction is refused, naming both", async () => {
    const scenario = await loadScenario(join(REPO_ROOT, "scenarios", "default.yaml"));
    const minute = withReaction(scenario, "minute");
    process.env.CDK_VALIDATION = "false"; // the CDK's schema validation is slow; the synth test runs it
    const dir = await synthesizeAssembly({ settings: scenarioStackSettings(minute), bundle: false });
    try {
      const functions = Object.values(readAssembly(dir).template.Resources).filter(
        (r) => r.Type === "AWS::Lambda::Function",
      );
      assert.ok(
        functions.every((r) => !JSON.stringify(r.Metadata ?? {}).includes("Watcher")),
        "minute: no watcher",
      );
      await assert.rejects(runDeployed({ scenario: withReaction(scenario, "seconds"), assemblyDir: dir }), (err) => {
        assert.ok(err instanceof AssemblyError);
        assert.match(
          err.message,
          /synthesized with reaction minute; scenario .* asks for controllers\.reaction seconds/,
        );
        return true;
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
