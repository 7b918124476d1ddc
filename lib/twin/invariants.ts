/**
 * The twin's end-of-run invariants, checked from the outside (the emulator's instances, the apiserver's pods and
 * the state table), never from the controllers' own bookkeeping of what they meant to do:
 * - no duplicate launches: at most one instance ever per node claim;
 * - no leaked instances: every live instance of ours has a live claim;
 * - no stranded pods: nothing pending for long at the end;
 * - no violations: every instance satisfies its pool's requirements and the pools' cpu limits hold, and every
 *   interrupted node was drained inside its notice.
 */
import type { NodePool } from "../api/model.js";
import { builtinInstanceTypes } from "../cloud/aws/builtin-catalog.js";
import type { Pod } from "../core/kube-objects.js";
import { parseResource } from "../core/quantity.js";
import { LABEL_NODEPOOL, LABEL_PROVISIONER_NAME } from "../core/well-known.js";
import type { NodeClaim } from "../state/types.js";
import type { InstanceSnapshot } from "./aws/index.js";
import { ownerLookup } from "./our-instances.js";
import { nodeExpressionMatches } from "./scheduler-predicates.js";
import { CREATED_AT_ANNOTATION } from "./workload-controllers.js";

const POOL_TAGS = [LABEL_NODEPOOL, LABEL_PROVISIONER_NAME];

/** The invariant counters and their explanations. */
export interface InvariantResult {
  duplicateLaunches: number;
  leakedInstances: number;
  strandedPods: number;
  violations: number;
  /** Pods (by uid) the eviction API evicted more than once. */
  podsEvictedTwice: number;
  details: string[];
}

/** Inputs of the check. */
export interface InvariantInput {
  now: number;
  region: string;
  instances: InstanceSnapshot[];
  claims: NodeClaim[];
  pods: Pod[];
  pools: NodePool[];
  /** Pending longer than this at the end is stranded. */
  strandedAfterMs: number;
  /** Interruption notices not drained in time (from the collector). */
  lateDrains: string[];
  /** Successful evictions per pod uid (from the fake kube-apiserver). @default none */
  evictionsByUid?: ReadonlyMap<string, number>;
}

function live(i: InstanceSnapshot): boolean {
  return i.state === "pending" || i.state === "running";
}

/** Checks every invariant. */
export function checkInvariants(input: InvariantInput): InvariantResult {
  const details: string[] = [];
  const ownerOf = ownerLookup(input.claims);
  const byClaim = new Map<string, InstanceSnapshot[]>();
  for (const i of input.instances) {
    const claim = ownerOf(i);
    if (!claim) continue;
    byClaim.set(claim, [...(byClaim.get(claim) ?? []), i]);
  }
  let duplicateLaunches = 0;
  for (const [claim, list] of byClaim) {
    if (list.length > 1) {
      duplicateLaunches += list.length - 1;
      details.push(`claim ${claim} has ${list.length} instances: ${list.map((i) => i.instanceId).join(", ")}`);
    }
  }

  const claims = new Map(input.claims.map((c) => [c.id, c]));
  let leakedInstances = 0;
  for (const i of input.instances.filter(live)) {
    const id = ownerOf(i);
    const claim = id ? claims.get(id) : undefined;
    if (!claim || claim.state === "Terminated") {
      leakedInstances++;
      details.push(
        `instance ${i.instanceId} (${i.instanceType}) is running without a live claim${id ? ` (${id})` : ""}`,
      );
    }
  }

  let strandedPods = 0;
  for (const p of input.pods) {
    if (p.spec.nodeName || p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
    const created = Number(p.metadata.annotations?.[CREATED_AT_ANNOTATION] ?? input.now);
    if (input.now - created > input.strandedAfterMs) {
      strandedPods++;
      details.push(
        `pod ${p.metadata.namespace}/${p.metadata.name} pending for ${Math.round((input.now - created) / 60_000)} min`,
      );
    }
  }

  let violations = 0;
  const types = new Map(builtinInstanceTypes({ region: input.region }).map((t) => [t.name, t]));
  const pools = new Map(input.pools.map((p) => [p.name, p]));
  const cpuByPool = new Map<string, number>();
  for (const i of input.instances.filter(live)) {
    const poolName = POOL_TAGS.map((k) => i.tags[k]).find((v) => v !== undefined);
    const pool = poolName ? pools.get(poolName) : undefined;
    const type = types.get(i.instanceType);
    if (!pool || !type) continue;
    const labels = {
      ...type.labels,
      ...pool.labels,
      "topology.kubernetes.io/zone": i.zone,
      "karpenter.sh/capacity-type": i.capacityType,
    };
    for (const r of pool.requirements) {
      if (!nodeExpressionMatches(r, labels)) {
        violations++;
        details.push(
          `instance ${i.instanceId} (${i.instanceType}, ${i.capacityType}, ${i.zone}) breaks NodePool "${pool.name}" requirement ${r.key} ${r.operator} [${r.values.join(", ")}]`,
        );
      }
    }
    cpuByPool.set(pool.name, (cpuByPool.get(pool.name) ?? 0) + (type.capacity.cpu ?? 0));
  }
  for (const [name, cpu] of cpuByPool) {
    const limit = pools.get(name)?.limits.cpu;
    if (limit !== undefined && cpu > parseResource("cpu", limit)) {
      violations++;
      details.push(`NodePool "${name}" runs ${cpu / 1000} vCPU, over its limit of ${limit}`);
    }
  }
  violations += input.lateDrains.length;
  details.push(...input.lateDrains);
  const podsEvictedTwice = evictedTwice(input.evictionsByUid, details);
  return { duplicateLaunches, leakedInstances, strandedPods, violations, podsEvictedTwice, details };
}

/** Pods evicted more than once (each is a detail line, the first 20 of them). */
function evictedTwice(evictions: ReadonlyMap<string, number> | undefined, details: string[]): number {
  let count = 0;
  for (const [uid, n] of evictions ?? []) {
    if (n < 2) continue;
    if (count++ < 20) details.push(`pod ${uid} was evicted ${n} times`);
  }
  return count;
}
