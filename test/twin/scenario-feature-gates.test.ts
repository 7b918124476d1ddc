import assert from "node:assert/strict";
import { test } from "node:test";
import { parseScenario, ScenarioError } from "../../lib/twin/scenario.js";

const base = { name: "gates", duration: "10m", config: "" };

test("a scenario switches Karpenter's feature gates for its disruptor; unknown gates are refused", () => {
  assert.deepEqual(parseScenario(base, "s.yaml").controllers.featureGates, {});
  const on = parseScenario(
    { ...base, controllers: { featureGates: { SpotToSpotConsolidation: true, NodeRepair: true } } },
    "s.yaml",
  );
  assert.deepEqual(on.controllers.featureGates, { SpotToSpotConsolidation: true, NodeRepair: true });
  assert.throws(
    () => parseScenario({ ...base, controllers: { featureGates: { Drift: true } } }, "s.yaml"),
    (err: unknown) => err instanceof ScenarioError && /s\.yaml: controllers\.featureGates: .*Drift/.test(err.message),
  );
});
