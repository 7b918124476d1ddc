/**
 * Decision latencies from a deployed function's output: the bundles publish metrics as CloudWatch embedded metric
 * format (one JSON document per line on stdout), so the deployed report reads the provisioner's `DecisionLatency`
 * there (both observability modes publish it, whenever a pass launched).
 */
import { METRIC } from "../../controllers/telemetry.js";

/** The `DecisionLatency` values (ms) in one output line; none when it is not such an EMF document. */
export function decisionLatenciesInLine(line: string): number[] {
  if (!line.includes('"_aws"') || !line.includes(`"${METRIC.decisionLatency}"`)) return [];
  let doc: unknown;
  try {
    doc = JSON.parse(line);
  } catch {
    return [];
  }
  const value = (doc as Record<string, unknown>)[METRIC.decisionLatency];
  const values = Array.isArray(value) ? value : [value];
  return values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
}
