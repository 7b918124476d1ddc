/**
 * Why a pod could not be placed, in words a person understands: per pool, the first thing that rules it out
 * (taints, requirements, size, limits, topology), merged into one sentence.
 */

import { formatResource } from "../../core/quantity.js";
import { formatHostPort } from "../primitives/host-ports.js";
import { describeIncompatibility } from "../primitives/requirements.js";
import { firstUntolerated, formatTaint } from "../primitives/taints.js";
import { effectiveOf } from "./pod-class.js";
import { fitsIn } from "./resource-dims.js";
import type { PodState, SolveContext } from "./solve-context.js";
import { describeTopologyFailure } from "./topology.js";

function formatAmount(resource: string, value: number): string {
  if (resource === "cpu") return `${Number((value / 1000).toFixed(3))} CPU`;
  return `${formatResource(resource, value)} ${resource}`;
}

/** A one-line reason for an unschedulable pod. */
export function diagnose(ctx: SolveContext, ps: PodState): string {
  const cls = ps.cls;
  if (cls.unsupported) return cls.unsupported;
  if (ctx.pools.length === 0) {
    return ps.topologyFailure
      ? describeTopologyFailure(ps.topologyFailure)
      : "no NodePool is configured and no existing node can take the pod";
  }
  const e = effectiveOf(cls, ps.relax);
  const reasons: string[] = [];
  const taintReasons: string[] = [];
  let otherThanTaints = false;
  for (const pool of ctx.pools) {
    const base = ctx.poolBase[pool.order];
    const taint = firstUntolerated(cls.tolerations, pool.taints, { ignorePreferNoSchedule: e.ignorePreferNoSchedule });
    if (taint) {
      taintReasons.push(formatTaint(taint));
      reasons.push(`NodePool "${pool.name}" has taint ${formatTaint(taint)} the pod does not tolerate`);
      continue;
    }
    otherThanTaints = true;
    if (pool.types.length === 0 || base.entries.length === 0) {
      reasons.push(`NodePool "${pool.name}" has no available instance type`);
      continue;
    }
    const inc = base.reqs.compatibleError(e.reqs);
    if (inc) {
      reasons.push(`incompatible with NodePool "${pool.name}": ${describeIncompatibility(inc)}`);
      continue;
    }
    const g = ctx.groups.forPool(pool, base.reqs.intersect(e.reqs));
    if (g.entries.length === 0) {
      reasons.push(
        `incompatible with NodePool "${pool.name}": no instance type satisfies ${e.reqs.describe() || "its requirements"}`,
      );
      continue;
    }
    if (!fitsIn(ps.vec, g.maxCap)) {
      for (let k = 0; k < ps.vec.length; k++) {
        if (ps.vec[k] <= g.maxCap[k]) continue;
        const name = ctx.dims.names[k];
        reasons.push(
          `no instance type has ${formatAmount(name, ps.vec[k])} (largest allowed: ${formatAmount(name, Math.max(0, g.maxCap[k]))})`,
        );
        break;
      }
      continue;
    }
    const fitting = g.entries.filter((t) => fitsIn(ps.vec, t.cap));
    const limited = fitting.map((t) => pool.limitExceededBy(t.i));
    if (fitting.length > 0 && limited.every((l) => l !== undefined)) {
      const k = limited[0] as string;
      reasons.push(
        k === "nodes"
          ? `NodePool "${pool.name}" limit reached: nodes ${pool.limits.nodes}`
          : `NodePool "${pool.name}" limit reached: ${k} ${formatResource(k, pool.used[k] ?? 0)} of ${formatResource(k, pool.limits[k])} used`,
      );
      continue;
    }
    const daemonPort = cls.hostPorts.find((p) =>
      pool.daemonPorts.some((d) => d.port === p.port && d.protocol === p.protocol),
    );
    if (daemonPort) {
      reasons.push(`host port ${formatHostPort(daemonPort)} is taken by a DaemonSet on NodePool "${pool.name}"`);
      continue;
    }
    reasons.push(
      ps.topologyFailure
        ? describeTopologyFailure(ps.topologyFailure)
        : `no node of NodePool "${pool.name}" can take the pod with its constraints`,
    );
  }
  if (!otherThanTaints) return `no NodePool tolerated by the pod: taint ${[...new Set(taintReasons)].join(", ")}`;
  return [...new Set(reasons)].join("; ");
}
