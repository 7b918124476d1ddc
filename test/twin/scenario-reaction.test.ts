import assert from "node:assert/strict";
import { test } from "node:test";
import { parseScenario, ScenarioError } from "../../lib/twin/scenario.js";

const base = { name: "reaction", duration: "10m", config: "" };

test("a scenario picks the provisioner's reaction: seconds (the watcher) by default, or minute", () => {
  assert.equal(parseScenario(base, "s.yaml").controllers.reaction, "seconds");
  assert.equal(
    parseScenario({ ...base, controllers: { reaction: "minute" } }, "s.yaml").controllers.reaction,
    "minute",
  );
  assert.throws(
    () => parseScenario({ ...base, controllers: { reaction: "hour" } }, "s.yaml"),
    (err: unknown) => err instanceof ScenarioError && /s\.yaml: controllers\.reaction: /.test(err.message),
  );
});
