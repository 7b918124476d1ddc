/**
 * The scale scenario at rest (`scenarios/scale.yaml` after its scale-down) for the idle-pass benchmark: its 60
 * instance types, 3 zones, its NodePool and EC2NodeClass, and its four workloads in the same proportions (600 zone-
 * spread, 600 plain, 500 small (the scenario's preferred hostname anti-affinity left out: the packer takes it as required, one node per pod, where the scenario's consolidation has packed them by the time it is at rest) and 300 large pods of every 2,000).
 */
import { defaultConfigYaml, type PodSpecOptions } from "../../test/support/controller-harness.js";

const FAMILIES = ["m5", "m5a", "m6i", "m6a", "m7i", "c5", "c5a", "c6i", "c6a", "c7i", "r5", "r5a", "r6i", "r6a", "r7i"];

/** The scale scenario's instance types. */
export const SCALE_TYPES = FAMILIES.flatMap((f) => ["large", "xlarge", "2xlarge", "4xlarge"].map((s) => `${f}.${s}`));

/** Three zones, as the twin's region has. */
export const SCALE_ZONES = ["us-east-1a", "us-east-1b", "us-east-1c"];

/** The scale scenario's NodePool and EC2NodeClass: the harness's default with the scenario's expiry, limits and disruption. */
export const SCALE_CONFIG_YAML = defaultConfigYaml({
  templateSpec: "      expireAfter: Never",
  spec: `  limits: {cpu: "10000"}
  disruption:
    consolidationPolicy: WhenEmptyOrUnderutilized
    consolidateAfter: 1m
    budgets: [{nodes: "20%"}]`,
});

/** One pod to create: its workload and the harness's pod options. */
export interface IdlePodSpec {
  app: string;
  options: PodSpecOptions;
}

/** `count` pods in the scale scenario's proportions. */
export function idlePassPods(count: number): IdlePodSpec[] {
  const share = (f: number) => Math.round(count * f);
  const out: IdlePodSpec[] = [];
  const add = (app: string, n: number, options: PodSpecOptions) => {
    for (let i = 0; i < n; i++) out.push({ app, options: { ...options, labels: { app } } });
  };
  add("spread", share(0.3), {
    cpu: "250m",
    memory: "512Mi",
    extra: {
      topologySpreadConstraints: [
        {
          maxSkew: 1,
          topologyKey: "topology.kubernetes.io/zone",
          whenUnsatisfiable: "DoNotSchedule",
          labelSelector: { matchLabels: { app: "spread" } },
        },
      ],
    },
  });
  add("plain", share(0.3), { cpu: "500m", memory: "1Gi" });
  add("small", share(0.25), { cpu: "250m", memory: "256Mi" });
  add("big", count - out.length, { cpu: "2", memory: "8Gi" });
  return out;
}
