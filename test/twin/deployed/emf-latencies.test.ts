/** The deployed report reads the provisioner's decision latencies from its embedded-metric-format output. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decisionLatenciesInLine } from "../../../lib/twin/deployed/emf-latencies.js";

const emf = (values: unknown) =>
  JSON.stringify({
    _aws: {
      Timestamp: 1,
      CloudWatchMetrics: [
        {
          Namespace: "Stevedore",
          Dimensions: [["service"]],
          Metrics: [{ Name: "DecisionLatency", Unit: "Milliseconds" }],
        },
      ],
    },
    service: "stevedore",
    DecisionLatency: values,
  });

test("DecisionLatency values come from EMF lines only, one or many", () => {
  assert.deepEqual(decisionLatenciesInLine(emf(850)), [850]);
  assert.deepEqual(decisionLatenciesInLine(emf([120, 300])), [120, 300]);
  assert.deepEqual(decisionLatenciesInLine('{"level":"INFO","message":"DecisionLatency"}'), []);
  assert.deepEqual(decisionLatenciesInLine(`${emf(1).slice(0, 40)}"DecisionLatency"`), [], "a cut line is skipped");
});
