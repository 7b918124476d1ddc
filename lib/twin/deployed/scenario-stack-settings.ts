/**
 * The stack settings a scenario's deployed run synthesizes the app with (as `-c key=value`): the scenario's cluster
 * and region, and its controllers' `loopSeconds` and `reaction`, so the deployed stack is the one the scenario
 * describes.
 */
import type { ReactionMode } from "../../infra/stack-config.js";
import type { Scenario } from "../scenario.js";

/** The scenario's `controllers.reaction` (the scenario schema defaults it to `seconds`). */
export function scenarioReaction(scenario: Scenario): ReactionMode {
  return scenario.controllers.reaction;
}

/** Settings for the scenario's stack; `loopSeconds` overrides the scenario's. */
export function scenarioStackSettings(scenario: Scenario, loopSeconds?: number): Record<string, string> {
  return {
    clusterName: scenario.clusterName,
    region: scenario.region,
    loopSeconds: String(loopSeconds ?? scenario.controllers.loopSeconds),
    reaction: scenarioReaction(scenario),
  };
}
