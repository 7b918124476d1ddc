/**
 * Twin scenarios (`scenarios/*.yaml`): the cluster's story over virtual time — workloads arriving and leaving,
 * provisioner config, and injected events (spot interruptions, ICE, throttling, API outages).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { parseAllDocuments } from "yaml";
import { z } from "zod";

const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Parses `90s`, `5m`, `1.5h`, `250ms` into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = DURATION_RE.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a duration like 30s, 5m or 1h`);
  const n = Number(m[1]);
  return Math.round(n * { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as "ms" | "s" | "m" | "h"]);
}

const duration = z
  .string()
  .refine((s) => DURATION_RE.test(s.trim()), { message: "must be a duration like 30s, 5m or 1h" });
const kubeObject = z
  .object({ apiVersion: z.string(), kind: z.string(), metadata: z.object({ name: z.string() }).passthrough() })
  .passthrough();
const capacityType = z.enum(["spot", "on-demand"]);

const step = z
  .object({
    at: duration,
    /** Creates or replaces a Kubernetes object (Deployment, Job, Pod, DaemonSet, PodDisruptionBudget…). */
    apply: kubeObject.optional(),
    /** Changes a Deployment's or StatefulSet's replicas. */
    scale: z
      .object({ name: z.string(), namespace: z.string().default("default"), replicas: z.number().int().min(0) })
      .optional(),
    /** Deletes an object and the pods it owns. */
    delete: z.object({ kind: z.string(), name: z.string(), namespace: z.string().default("default") }).optional(),
    /** Sends spot interruption warnings to `count` of Stevedore's running spot instances (seeded choice). */
    spotInterruption: z.object({ count: z.number().int().min(1).default(1) }).optional(),
    /** Sends rebalance recommendations to `count` spot instances. */
    rebalance: z.object({ count: z.number().int().min(1).default(1) }).optional(),
    /** The kubelets of `count` of Stevedore's Ready nodes stop reporting: `Ready` turns Unknown (seeded choice). */
    nodeFailure: z.object({ count: z.number().int().min(1).default(1) }).optional(),
    /** Makes an offering return InsufficientInstanceCapacity for a while. */
    ice: z
      .object({
        instanceType: z.string(),
        zone: z.string().optional(),
        capacityType: capacityType.optional(),
        for: duration,
      })
      .optional(),
    /** EC2 throttles this fraction of calls for a while. */
    throttle: z.object({ fraction: z.number().min(0).max(1), for: duration }).optional(),
    /** An API is unreachable for a while. */
    outage: z.object({ service: z.enum(["ec2", "kubernetes"]), for: duration }).optional(),
    /** Replaces the config documents (NodePools etc.) from this point on. */
    config: z.string().optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    const actions = [
      "apply",
      "scale",
      "delete",
      "spotInterruption",
      "rebalance",
      "nodeFailure",
      "ice",
      "throttle",
      "outage",
      "config",
    ];
    const n = actions.filter((a) => (s as Record<string, unknown>)[a] !== undefined).length;
    if (n !== 1)
      ctx.addIssue({ code: "custom", message: `each step needs exactly one action of ${actions.join(", ")}` });
  });

const fields = z
  .object({
    name: z.string().min(1),
    description: z.string().default(""),
    duration: duration,
    /**
     * The end rule. Without it the run ends at `duration`. With it, the controllers and the cluster keep running
     * past `duration` until every workload pod is Running (or finished), for at most this long, so a run does not
     * end in the middle of a move (a consolidation's evicted pods waiting for a node that is still booting). The
     * report's `settle` says how long settling took.
     */
    settle: duration.optional(),
    region: z.string().default("us-east-1"),
    clusterName: z.string().default("twin"),
    kubernetesVersion: z.string().default("1.31"),
    seed: z.number().int().default(1),
    /** Config documents (Provisioner/NodePool…), YAML. */
    config: z.string(),
    /** Virtual time from instance running to Node Ready. */
    bootTime: duration.default("45s"),
    /** Instance types the emulated region offers (default: the whole built-in catalog). */
    instanceTypes: z.array(z.string()).optional(),
    /** Finite capacity per offering; anything not listed is plentiful. */
    capacity: z
      .array(
        z.object({
          instanceType: z.string(),
          zone: z.string().optional(),
          capacityType: capacityType.optional(),
          count: z.number().int().min(0),
        }),
      )
      .default([]),
    /** Capacity reservations (`default`) and capacity blocks the account holds; `end` counts from the start. */
    capacityReservations: z
      .array(
        z
          .object({
            id: z.string().regex(/^cr-[0-9a-z]+$/),
            instanceType: z.string(),
            zone: z.string(),
            count: z.number().int().min(0),
            type: z.enum(["default", "capacity-block"]).default("default"),
            tags: z.record(z.string(), z.string()).default({}),
            end: duration.optional(),
          })
          .strict(),
      )
      .default([]),
    controllers: z
      .object({
        loopSeconds: z.number().int().min(1).max(840).default(50),
        rebalance: z.enum(["ignore", "replace"]).default("ignore"),
        /**
         * How fast the provisioner reacts, as the stack's `reaction` setting: `seconds` runs the watcher, which
         * triggers the provisioner when pods or nodes need it; `minute` leaves the provisioner on its schedule alone.
         */
        reaction: z.enum(["seconds", "minute"]).default("seconds"),
        /** Karpenter feature gates, as the stack's `featureGates` setting: `{SpotToSpotConsolidation: true}`. */
        featureGates: z
          .object({ SpotToSpotConsolidation: z.boolean().optional(), NodeRepair: z.boolean().optional() })
          .strict()
          .default({}),
      })
      .default({ loopSeconds: 50, rebalance: "ignore", reaction: "seconds", featureGates: {} }),
    steps: z.array(step).default([]),
  })
  .strict();
const schema = fields.superRefine((s, ctx) => {
  for (const issue of replicaIssues(s.steps)) ctx.addIssue({ code: "custom", ...issue });
});

/**
 * Replicas one workload of a scenario may ask for. The twin runs every pod through a real apiserver, scheduler
 * and kubelet stand-in; past this a run would take hours, so the scenario is refused when it loads.
 */
export const MAX_SCENARIO_REPLICAS = 100_000;

/** Problems with workload sizes: any `replicas` (or Job `parallelism`) above {@link MAX_SCENARIO_REPLICAS}. */
function replicaIssues(
  steps: { apply?: unknown; scale?: { replicas: number } }[],
): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const tooMany = (n: unknown) => typeof n === "number" && n > MAX_SCENARIO_REPLICAS;
  const message = (n: number) =>
    `${n} replicas is more than the twin simulates: at most ${MAX_SCENARIO_REPLICAS} pods per workload`;
  steps.forEach((s, i) => {
    const spec = (s.apply as { spec?: { replicas?: unknown; parallelism?: unknown } } | undefined)?.spec;
    for (const field of ["replicas", "parallelism"] as const) {
      if (tooMany(spec?.[field]))
        issues.push({ path: ["steps", i, "apply", "spec", field], message: message(spec?.[field] as number) });
    }
    if (s.scale && tooMany(s.scale.replicas))
      issues.push({ path: ["steps", i, "scale", "replicas"], message: message(s.scale.replicas) });
  });
  return issues;
}

/** A validated scenario. */
export type Scenario = z.infer<typeof schema>;
/** One timed step of a scenario. */
export type ScenarioStep = Scenario["steps"][number];

/** A scenario file that does not validate; lists every problem with its field path. */
export class ScenarioError extends Error {
  override name = "ScenarioError";
}

/** Validates a parsed scenario object. */
export function parseScenario(value: unknown, file: string): Scenario {
  const result = schema.safeParse(value);
  if (!result.success) {
    const lines = result.error.issues.map(
      (i) =>
        `${file}: ${
          i.path
            .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
            .join("")
            .replace(/^\./, "") || "(root)"
        }: ${i.message}`,
    );
    throw new ScenarioError(lines.join("\n"));
  }
  return result.data;
}

/** Reads and validates a scenario YAML file. */
export async function loadScenario(file: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    throw new ScenarioError(`${file}: cannot read the scenario file`);
  }
  const docs = parseAllDocuments(text);
  if (docs.length !== 1) throw new ScenarioError(`${file}: a scenario is exactly one YAML document`);
  const doc = docs[0];
  if (doc.errors.length > 0) throw new ScenarioError(`${file}: ${doc.errors[0].message}`);
  return parseScenario(doc.toJS(), basename(file));
}
