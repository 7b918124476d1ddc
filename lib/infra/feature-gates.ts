/**
 * Karpenter's feature gates that Stevedore honours, in Karpenter's own spelling: the stack setting `featureGates`
 * takes `SpotToSpotConsolidation=true,NodeRepair=true` (Karpenter's `--feature-gates` / `FEATURE_GATES` format) or,
 * in the settings file, a JSON object `{"SpotToSpotConsolidation": true}`. The stack hands them to the controllers
 * in one environment variable in the string format. No CDK imports: the Lambda wiring reads them too.
 */

/** The gates Stevedore knows. */
export const FEATURE_GATE_NAMES = ["SpotToSpotConsolidation", "NodeRepair"] as const;
/** One gate's name. */
export type FeatureGateName = (typeof FEATURE_GATE_NAMES)[number];

/** Gates in force. */
export interface FeatureGates {
  /** Replace spot nodes with cheaper spot nodes during consolidation. @default false */
  spotToSpotConsolidation: boolean;
  /** Replace nodes whose conditions stay unhealthy past their toleration. @default false */
  nodeRepair: boolean;
}

/** Karpenter's defaults: both gates off. */
export const DEFAULT_FEATURE_GATES: FeatureGates = { spotToSpotConsolidation: false, nodeRepair: false };

const FIELD: Record<FeatureGateName, keyof FeatureGates> = {
  SpotToSpotConsolidation: "spotToSpotConsolidation",
  NodeRepair: "nodeRepair",
};

/** The gates and what was wrong with the input (empty when valid). */
export interface ParsedFeatureGates {
  gates: FeatureGates;
  problems: string[];
}

function entriesOf(value: unknown): [string, unknown][] | undefined {
  if (typeof value === "string") {
    return value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "")
      .map((pair) => {
        const eq = pair.indexOf("=");
        return eq < 0 ? [pair, undefined] : [pair.slice(0, eq).trim(), pair.slice(eq + 1).trim()];
      });
  }
  if (typeof value === "object" && value !== null && !Array.isArray(value)) return Object.entries(value);
  return undefined;
}

function booleanOf(v: unknown): boolean | undefined {
  if (v === true || v === "true") return true;
  if (v === false || v === "false") return false;
  return undefined;
}

/** Reads gates from `Name=true,Other=false` or `{Name: true}`; unset means the defaults. */
export function parseFeatureGates(value: unknown): ParsedFeatureGates {
  const gates = { ...DEFAULT_FEATURE_GATES };
  const problems: string[] = [];
  if (value === undefined || value === "") return { gates, problems };
  const entries = entriesOf(value);
  if (!entries) {
    problems.push(`${JSON.stringify(value)} is not valid (Name=true,Other=false, or a JSON object of booleans)`);
    return { gates, problems };
  }
  for (const [name, raw] of entries) {
    if (!(FEATURE_GATE_NAMES as readonly string[]).includes(name)) {
      problems.push(`unknown feature gate ${JSON.stringify(name)} (known: ${FEATURE_GATE_NAMES.join(", ")})`);
      continue;
    }
    const on = booleanOf(raw);
    if (on === undefined) {
      const what = raw === undefined ? "needs a value," : `${JSON.stringify(raw)} is not`;
      problems.push(`feature gate ${name}: ${what} true or false`);
      continue;
    }
    gates[FIELD[name as FeatureGateName]] = on;
  }
  return { gates, problems };
}

/** The string form, every gate spelled out: `SpotToSpotConsolidation=false,NodeRepair=true`. */
export function formatFeatureGates(gates: FeatureGates): string {
  return FEATURE_GATE_NAMES.map((n) => `${n}=${gates[FIELD[n]]}`).join(",");
}
